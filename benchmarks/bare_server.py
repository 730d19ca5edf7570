"""A bare python-socketio server on gevent, with no storage: the floor under `make bench-live`.

The same protocol shape as Facilitator's `/live` namespace and the same stack (python-socketio
on gevent's WSGIServer, websockets through simple-websocket, as `python -m facilitator` runs):
clients connect with `auth = {"token": …}` and get a `snapshot`; `entry:add` and
`report:update` are acknowledged (`{ok, seq, …}`) and broadcast (`entry`, `report`) to the
table's room and the screens' room. Nothing is validated, stored or merged, so whatever the
app costs on top of this is the app.

    python -m benchmarks.bare_server --port 5001 --tables 100

Tokens: `screen`, `chair`, or `table:<n>:rapporteur|participant` (see `links`).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import base64  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import socketio  # noqa: E402

from facilitator.wsgiserver import NoDelayWSGIServer, settle_heap  # noqa: E402  (as the app serves)

NAMESPACE = "/live"
EMPTY_REPORT_STATE = base64.b64encode(b"\x00\x00").decode()  # an empty Yjs update


def links(tables: int) -> dict[str, Any]:
    """Tokens in the shape of `flask session import`'s links JSON."""
    return {
        "screen": {"token": "screen"},
        "chair": {"token": "chair"},
        "tables": {
            str(n): {role: {"token": f"table:{n}:{role}"} for role in ("rapporteur", "participant")}
            for n in range(1, tables + 1)
        },
    }


def make_server(tables: int, origins: list[str]) -> socketio.Server:
    """The Socket.IO server with the /live handlers."""
    sio = socketio.Server(async_mode="gevent", max_http_buffer_size=1_000_000, cors_allowed_origins=origins)
    state = {"seq": 0}
    who: dict[str, tuple[str, int | None]] = {}

    def table_info(number: int) -> dict[str, Any]:
        return {
            "number": number,
            "participants": [],
            "report": "",
            "entries": [],
            "report_state": EMPTY_REPORT_STATE,
        }

    @sio.on("connect", namespace=NAMESPACE)
    def connect(sid: str, environ: dict, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if token in ("screen", "chair"):
            role, table = token, None
            sio.enter_room(sid, "screens", namespace=NAMESPACE)
        elif isinstance(token, str) and token.startswith("table:"):
            _, number, role = token.split(":")
            table = int(number)
            sio.enter_room(sid, f"table-{table}", namespace=NAMESPACE)
        else:
            raise ConnectionRefusedError("unknown token")
        who[sid] = (role, table)
        shown = range(1, tables + 1) if table is None else [table]
        snapshot = {
            "role": role,
            "table": table,
            "meeting": {"slug": "bare", "title": "bare", "phase": "round"},
            "tables": [table_info(n) for n in shown],
            "seq": state["seq"],
        }
        sio.emit("snapshot", snapshot, to=sid, namespace=NAMESPACE)

    @sio.on("disconnect", namespace=NAMESPACE)
    def disconnect(sid: str, *args: Any) -> None:
        who.pop(sid, None)

    def broadcast(event: str, table: int, data: dict[str, Any]) -> None:
        sio.emit(event, data, to=[f"table-{table}", "screens"], namespace=NAMESPACE)

    @sio.on("entry:add", namespace=NAMESPACE)
    def entry_add(sid: str, payload: dict[str, Any]) -> dict[str, Any]:
        table = who[sid][1]
        state["seq"] += 1
        entry = {key: payload.get(key) for key in ("id", "text", "bollen", "horizons")} | {"hidden": False}
        broadcast("entry", table, {"table": table, "entry": entry, "seq": state["seq"]})
        return {"ok": True, "seq": state["seq"], "entry": entry}

    @sio.on("report:update", namespace=NAMESPACE)
    def report_update(sid: str, payload: dict[str, Any]) -> dict[str, Any]:
        table = who[sid][1]
        state["seq"] += 1
        update = payload.get("update", "")
        broadcast("report", table, {"table": table, "update": update, "text": "", "seq": state["seq"]})
        return {"ok": True, "seq": state["seq"], "length": len(update)}

    return sio


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bare_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--tables", type=int, default=100)
    args = parser.parse_args(argv)
    origin = f"http://{args.host}:{args.port}"
    sio = make_server(args.tables, [origin, origin.replace("127.0.0.1", "localhost")])
    server = NoDelayWSGIServer((args.host, args.port), socketio.WSGIApp(sio), log=None)
    settle_heap()
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    print(f"bare Socket.IO server on {origin}/live ({args.tables} tables)", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
