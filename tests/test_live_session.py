"""Socket.IO events on /live leave Flask's cookie session closed; pages still open it."""

from __future__ import annotations

import uuid

from facilitator.extensions import socketio

NS = "/live"


def test_socket_events_do_not_open_the_cookie_session(app, logged_in, meeting_links, monkeypatch):
    interface = app.session_interface
    real = interface.get_signing_serializer
    opened: list[str] = []

    def counting(app_):
        from flask import request

        opened.append(request.path)
        return real(app_)

    monkeypatch.setattr(interface, "get_signing_serializer", counting)
    assert logged_in.get("/secretariaat/").status_code == 200
    assert opened and set(opened) == {"/secretariaat/"}  # a page opens (and saves) the signed cookie

    opened.clear()
    token = meeting_links["tables"]["1"]["rapporteur"]["token"]
    # the browser sends the secretariat's session cookie along with the socket's handshake
    live = socketio.test_client(app, namespace=NS, auth={"token": token}, flask_test_client=logged_in)
    assert live.is_connected(NS)
    payload = {"op": str(uuid.uuid4()), "id": str(uuid.uuid4()), "text": "Wonen", "bollen": ["economisch"]}
    payload["horizons"] = ["later"]
    ack = live.emit("entry:add", payload, namespace=NS, callback=True)
    assert ack["ok"] is True
    assert live.emit("sync", {"since": 0}, namespace=NS, callback=True)["ok"] is True
    live.disconnect(NS)
    assert opened == []  # connect, two events, disconnect: the session was never opened

    # the pages' session is untouched: still logged in, and a protected page still refuses a stranger
    assert logged_in.get("/secretariaat/").status_code == 200
    assert app.test_client().get("/secretariaat/").status_code == 302
