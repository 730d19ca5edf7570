"""Socket.IO handlers on /live: thin — authorise from the token, parse, call a change, emit.

The token is checked again on every event (a rotated link stops at once), and
role and table always come from the token, never from the payload.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, disconnect, emit, join_room
from sqlalchemy import delete, select

from ..extensions import db, socketio
from ..models import AccessToken, Presence, utcnow
from . import changes, protocol
from .protocol import NAMESPACE, ProtocolError

log = logging.getLogger(__name__)

# Per-connection state of this process: which token a socket connected with and its
# rate budget. Connection-scoped only; everything about the meeting is in the database.
_connections: dict[str, dict[str, Any]] = {}


def table_room(meeting_id: int, number: int) -> str:
    """The room of everyone at one table."""
    return f"table:{meeting_id}:{number}"


def screen_room(meeting_id: int) -> str:
    """The room of every screen and chair of a meeting."""
    return f"screen:{meeting_id}"


def meeting_room(meeting_id: int) -> str:
    """The room of every client of a meeting (phase and timer reach all of them)."""
    return f"meeting:{meeting_id}"


def rooms_for_table(meeting_id: int, number: int) -> list[str]:
    """Everyone allowed to see that table: the table and the meeting's screens."""
    return [table_room(meeting_id, number), screen_room(meeting_id)]


def _current_token() -> AccessToken | None:
    state = _connections.get(request.sid)
    if state is None:
        return None
    db.session.commit()  # see a rotation committed by another process
    return AccessToken.lookup(state["token"])


def _rate_ok() -> bool:
    """Token bucket per connection: LIMITS['events_per_second'] sustained, LIMITS['burst'] at once."""
    state = _connections.get(request.sid)
    if state is None:
        return False
    now = time.monotonic()
    rate, burst = protocol.LIMITS["events_per_second"], protocol.LIMITS["burst"]
    state["budget"] = min(burst, state["budget"] + (now - state["at"]) * rate)
    state["at"] = now
    if state["budget"] < 1:
        return False
    state["budget"] -= 1
    return True


def live_event(name: str):
    """Register a handler for a client event, checking the caller's token and role first."""
    roles = protocol.CLIENT_EVENTS[name]

    def decorator(handler):
        @functools.wraps(handler)
        def wrapped(payload: Any = None, *extra: Any):
            try:
                token = _current_token()
                if token is None:
                    emit("revoked", {"message": protocol.MESSAGES["forbidden"]})
                    disconnect()
                    raise ProtocolError("forbidden")
                if token.role not in roles:
                    raise ProtocolError("forbidden")
                if not _rate_ok():
                    raise ProtocolError("rate_limited")
                return handler(token, payload)
            except ProtocolError as exc:
                db.session.rollback()
                return exc.ack()
            except Exception:
                db.session.rollback()
                log.exception("live event %s failed", name)
                return {
                    "ok": False,
                    "error": "invalid",
                    "message": "Er ging iets mis bij het opslaan; het wordt opnieuw geprobeerd.",
                }
            finally:
                db.session.remove()

        socketio.on_event(name, wrapped, namespace=NAMESPACE)
        return wrapped

    return decorator


def _actor(token: AccessToken) -> changes.Actor:
    state = _connections.get(request.sid, {})
    who = state.get("name") or token.role
    return changes.Actor(
        meeting_id=token.meeting_id,
        role=token.role,
        table_number=token.table_number,
        label=f"{token.role}:{who}"[:120],
    )


def publish(meeting_id: int, outcome: changes.Outcome) -> dict[str, Any]:
    """Emit a committed change's events to everyone allowed to see them; return the ack.

    Also called from secretariat pages (curation), so live pages see those edits too.
    """
    for name, data in outcome.events:
        if name == "meeting":
            rooms: str | list[str] = meeting_room(meeting_id)
        else:
            rooms = rooms_for_table(meeting_id, data["table"])
        socketio.emit(name, data, to=rooms, namespace=NAMESPACE)
    return outcome.ack


def tell_refresh(meeting_id: int, reason: str) -> None:
    """Ask every open page of a meeting to fetch a fresh snapshot (its definition changed)."""
    socketio.emit("refresh", {"reason": reason}, to=meeting_room(meeting_id), namespace=NAMESPACE)


def revoke_connections(meeting_id: int, role: str, table_number: int | None) -> int:
    """After a rotation: tell the old link's open pages and disconnect them (any process)."""
    rows = (
        db.session.execute(
            select(Presence.sid).where(
                Presence.meeting_id == meeting_id,
                Presence.role == role,
                Presence.table_number == table_number,
            )
        )
        .scalars()
        .all()
    )
    for sid in rows:
        socketio.emit("revoked", {"message": protocol.MESSAGES["forbidden"]}, to=sid, namespace=NAMESPACE)
        socketio.server.disconnect(sid, namespace=NAMESPACE)
    return len(rows)


def _broadcast(token: AccessToken, outcome: changes.Outcome) -> dict[str, Any]:
    return publish(token.meeting_id, outcome)


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None):
    """Accept a connection only with an active token; join its rooms; send the snapshot."""
    raw = auth.get("token") if isinstance(auth, dict) else None
    try:
        token = AccessToken.lookup(raw)
        if token is None:
            raise ConnectionRefusedError("unknown or revoked token")
        _connections[request.sid] = {
            "token": token.token,
            "budget": float(protocol.LIMITS["burst"]),
            "at": time.monotonic(),
            "name": "",
        }
        meeting = token.meeting
        join_room(meeting_room(meeting.id))
        if token.table_number is not None:
            join_room(table_room(meeting.id, token.table_number))
        else:
            join_room(screen_room(meeting.id))
        db.session.add(
            Presence(
                sid=request.sid,
                meeting_id=meeting.id,
                table_number=token.table_number,
                role=token.role,
                name="",
            )
        )
        db.session.commit()
        emit("snapshot", changes.snapshot(meeting, token.role, token.table_number))
        _emit_presence(meeting.id, token.table_number)
    except ConnectionRefusedError:
        raise
    except Exception:
        db.session.rollback()
        _connections.pop(request.sid, None)
        log.exception("live connect failed")
        raise ConnectionRefusedError("server error") from None
    finally:
        db.session.remove()


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*args: Any):
    """Forget the connection and tell the table who is still there."""
    state = _connections.pop(request.sid, None)
    try:
        row = db.session.get(Presence, request.sid)
        if row is not None:
            meeting_id, number = row.meeting_id, row.table_number
            db.session.execute(delete(Presence).where(Presence.sid == request.sid))
            db.session.commit()
            _emit_presence(meeting_id, number)
    except Exception:  # the database may be gone at shutdown; presence is best effort
        db.session.rollback()
        log.debug("presence cleanup failed for %s (%s)", request.sid, state)
    finally:
        db.session.remove()


def _emit_presence(meeting_id: int, number: int | None) -> None:
    if number is None:
        return
    rows = (
        db.session.execute(
            select(Presence)
            .where(Presence.meeting_id == meeting_id, Presence.table_number == number)
            .order_by(Presence.last_seen)
        )
        .scalars()
        .all()
    )
    people = [{"id": r.sid[:8], "role": r.role, "name": r.name} for r in rows]
    socketio.emit(
        "presence",
        {"table": number, "people": people},
        to=rooms_for_table(meeting_id, number),
        namespace=NAMESPACE,
    )


@live_event("entry:add")
def on_entry_add(token: AccessToken, payload: Any):
    """Add an entry to the caller's own table."""
    return _broadcast(token, changes.add_entry(_actor(token), payload))


@live_event("entry:update")
def on_entry_update(token: AccessToken, payload: Any):
    """Change an entry of the caller's own table."""
    return _broadcast(token, changes.update_entry(_actor(token), payload))


@live_event("entry:delete")
def on_entry_delete(token: AccessToken, payload: Any):
    """Delete (mark) an entry of the caller's own table."""
    return _broadcast(token, changes.delete_entry(_actor(token), payload))


@live_event("entry:restore")
def on_entry_restore(token: AccessToken, payload: Any):
    """Undo the delete of an entry of the caller's own table."""
    return _broadcast(token, changes.restore_entry(_actor(token), payload))


@live_event("report:update")
def on_report_update(token: AccessToken, payload: Any):
    """Merge a CRDT update into the caller's table report."""
    return _broadcast(token, changes.update_report(_actor(token), payload))


@live_event("table:update")
def on_table_update(token: AccessToken, payload: Any):
    """Correct the attendance of the caller's table."""
    return _broadcast(token, changes.update_table(_actor(token), payload))


@live_event("presence:hello")
def on_presence_hello(token: AccessToken, payload: Any):
    """Tell the table the caller's display name (optional, for presence)."""
    payload = protocol.require_dict(payload)
    name = protocol.name(payload.get("name"), "name") or ""
    _connections[request.sid]["name"] = name
    row = db.session.get(Presence, request.sid)
    if row is not None:
        row.name = name
        row.last_seen = utcnow()
        db.session.commit()
    _emit_presence(token.meeting_id, token.table_number)
    return {"ok": True}


@live_event("sync")
def on_sync(token: AccessToken, payload: Any):
    """Answer what the caller missed since its last sequence number, or a fresh snapshot."""
    payload = protocol.require_dict(payload)
    since = payload.get("since")
    if not isinstance(since, int) or isinstance(since, bool) or since < 0:
        raise ProtocolError("invalid", "'since' moet een volgnummer zijn.")
    missed = changes.events_since(token.meeting_id, since, token.table_number)
    if missed is None:
        return {"ok": True, "snapshot": changes.snapshot(token.meeting, token.role, token.table_number)}
    return {"ok": True, "events": missed, "seq": token.meeting.seq}


@live_event("entry:hide")
def on_entry_hide(token: AccessToken, payload: Any):
    """The chair hides an entry from the screens (or shows it again)."""
    return _broadcast(token, changes.hide_entry(_actor(token), payload))


@live_event("chair:phase")
def on_chair_phase(token: AccessToken, payload: Any):
    """The chair moves the meeting to another phase."""
    return _broadcast(token, changes.set_phase(_actor(token), payload))


@live_event("chair:timer")
def on_chair_timer(token: AccessToken, payload: Any):
    """The chair runs the table-round timer."""
    return _broadcast(token, changes.set_timer(_actor(token), payload))


@live_event("chair:view")
def on_chair_view(token: AccessToken, payload: Any):
    """The chair sets what every screen shows."""
    return _broadcast(token, changes.set_view(_actor(token), payload))


@live_event("chair:feedback-order")
def on_chair_feedback_order(token: AccessToken, payload: Any):
    """The chair reorders (or skips tables in) the report-back."""
    return _broadcast(token, changes.set_feedback_order(_actor(token), payload))


@live_event("topics:get")
def on_topics_get(token: AccessToken, payload: Any):
    """Topics that came up at several tables (and repeatedly within one), computed now."""
    from ..screen.topics import meeting_topics

    payload = protocol.require_dict(payload if payload is not None else {})
    limit = protocol.whole_number(payload, "limit", 1, 100, required=False) or 30
    return {"ok": True, **meeting_topics(token.meeting, limit)}
