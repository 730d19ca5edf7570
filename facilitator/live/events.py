"""Socket.IO handlers on /live, and nothing else: authorise from the token, parse, call a change,
broadcast after its commit.

The token is checked again on every event (a rotated link stops at once): for the hot
changes inside their batch's transaction (writer.py, one query for the whole batch), for
the others here. Role, table and meeting, which never change for a token, are remembered
per connection; they always come from the token, never from the payload. Importing this
module registers the handlers; nothing but the app factory imports it.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, disconnect, join_room
from sqlalchemy import select

from ..extensions import db, socketio
from ..models import AccessToken, Meeting
from ..rules import LIMITS, author_hash
from . import broadcast, changes, feedback, protocol, snapshot
from .errors import ProtocolError, TokenRevoked, unavailable
from .protocol import NAMESPACE
from .topics import meeting_topics
from .writer import writer

log = logging.getLogger(__name__)

# Per-connection state of this process: which token a socket connected with and its
# rate budget. Connection-scoped only; everything about the meeting is in the database.
_connections: dict[str, dict[str, Any]] = {}


@dataclass(frozen=True)
class Caller:
    """Who sent an event: the token's string, meeting, role and table (none of them ever change)."""

    token: str
    meeting_id: int
    role: str
    table_number: int | None
    token_id: int | None = None  # the token's row: its storage budget (budget.py)
    author: str | None = None  # the hash of the device key sent at connect (table pages)

    @property
    def meeting(self) -> Meeting:
        """The caller's meeting, read now."""
        return db.session.get(Meeting, self.meeting_id)


def _caller(check: bool) -> Caller | None:
    """The connection's caller; with ``check``, only while its token is still active (read now)."""
    state = _connections.get(request.sid)
    if state is None:
        return None
    caller = state["caller"]
    if check:
        active = db.session.execute(
            select(AccessToken.id).where(AccessToken.token == caller.token, AccessToken.revoked_at.is_(None))
        ).first()
        if active is None:
            return None
    return caller


def _rate_ok() -> bool:
    """Token bucket per connection: LIMITS['events_per_second'] sustained, LIMITS['burst'] at once."""
    state = _connections.get(request.sid)
    if state is None:
        return False
    now = time.monotonic()
    rate, burst = LIMITS["events_per_second"], LIMITS["burst"]
    state["budget"] = min(burst, state["budget"] + (now - state["at"]) * rate)
    state["at"] = now
    if state["budget"] < 1:
        return False
    state["budget"] -= 1
    return True


def _rollback() -> None:
    """Roll the session back; with the database gone even that may fail, which changes nothing."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed", exc_info=True)


def live_event(name: str, batched: bool = False):
    """Register a handler for a client event: check the caller's token and role, parse the payload.

    The handler gets the caller and the command that the event's one parser returned.
    ``batched`` changes go through the writer, whose transaction checks the token.
    """
    declared = protocol.CLIENT_EVENTS[name]

    def decorator(handler):
        @functools.wraps(handler)
        def wrapped(payload: Any = None, *extra: Any):
            try:
                token = _caller(check=not batched)
                if token is None:
                    raise TokenRevoked()
                if token.role not in declared.roles:
                    raise ProtocolError("forbidden")
                if not _rate_ok():
                    raise ProtocolError("rate_limited")
                command = declared.parse(
                    payload, protocol.template_of(token.meeting_id, lambda: token.meeting)
                )
                return handler(token, command)
            except TokenRevoked as exc:
                _rollback()
                broadcast.revoked(request.sid)
                disconnect()
                return exc.ack()
            except ProtocolError as exc:
                _rollback()
                return exc.ack()
            except Exception:
                # the server itself failed (its database away, a bug): never a refusal of the
                # change — the client keeps the op and sends it again (the op id makes that safe)
                _rollback()
                log.exception("live event %s failed; answered unavailable", name)
                return unavailable()
            finally:
                try:
                    db.session.remove()
                except Exception:  # a dead connection cannot be returned cleanly; the pool drops it
                    log.debug("session cleanup failed after %s", name, exc_info=True)

        socketio.on_event(name, wrapped, namespace=NAMESPACE)
        return wrapped

    return decorator


def _actor(token: Caller) -> changes.Actor:
    state = _connections.get(request.sid, {})
    who = state.get("name") or token.role
    return changes.Actor(
        meeting_id=token.meeting_id,
        role=token.role,
        table_number=token.table_number,
        label=f"{token.role}:{who}"[:120],
        token_id=token.token_id,
        author=token.author,
    )


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None):
    """Accept a connection only with an active token; join its rooms; send the snapshot."""
    raw = auth.get("token") if isinstance(auth, dict) else None
    author = author_hash(auth.get("author")) if isinstance(auth, dict) else None
    try:
        token = AccessToken.lookup(raw)
        if token is None:
            raise ConnectionRefusedError("unknown or revoked token")
        _connections[request.sid] = {
            "caller": Caller(token.token, token.meeting_id, token.role, token.table_number, token.id, author),
            "budget": float(LIMITS["burst"]),
            "at": time.monotonic(),
            "name": "",
        }
        meeting_id, number, role = token.meeting_id, token.table_number, token.role
        for room in broadcast.rooms_to_join(meeting_id, number, role):
            join_room(room)
        changes.join(request.sid, token)
        broadcast.send("snapshot", snapshot.snapshot(token.meeting, role, number, author), request.sid)
        broadcast.presence(meeting_id, number)
    except ConnectionRefusedError:
        raise
    except Exception:
        _rollback()
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
        where = changes.leave(request.sid)
        if where is not None:
            broadcast.presence(*where)
    except Exception:  # the database may be gone at shutdown; presence is best effort
        db.session.rollback()
        log.debug("presence cleanup failed for %s (%s)", request.sid, state)
    # No db.session.remove() here: a rotation disconnects the old link's sockets from inside
    # the secretariat's request, whose app context (and session) this handler then shares;
    # removing it would detach that request's objects (a 500). A handler that owns its
    # context has its session removed when the context ends.


@live_event("entry:add", batched=True)
def on_entry_add(token: Caller, command: protocol.AddEntry):
    """Add an entry to the caller's own table."""
    return broadcast.publish(token.meeting_id, writer.submit(_actor(token), token.token, command))


@live_event("entry:update", batched=True)
def on_entry_update(token: Caller, command: protocol.UpdateEntry):
    """Change an entry of the caller's own table."""
    return broadcast.publish(token.meeting_id, writer.submit(_actor(token), token.token, command))


@live_event("entry:delete", batched=True)
def on_entry_delete(token: Caller, command: protocol.DeleteEntry):
    """Delete (mark) an entry of the caller's own table."""
    return broadcast.publish(token.meeting_id, writer.submit(_actor(token), token.token, command))


@live_event("entry:restore")
def on_entry_restore(token: Caller, command: protocol.RestoreEntry):
    """Undo the delete of an entry of the caller's own table."""
    return broadcast.publish(token.meeting_id, changes.restore_entry(_actor(token), command))


@live_event("report:update", batched=True)
def on_report_update(token: Caller, command: protocol.UpdateReport):
    """Merge a CRDT update into the caller's table report."""
    return broadcast.publish(token.meeting_id, writer.submit(_actor(token), token.token, command))


@live_event("table:update")
def on_table_update(token: Caller, command: protocol.UpdateTable):
    """Correct the attendance of the caller's table."""
    return broadcast.publish(token.meeting_id, changes.update_table(_actor(token), command))


@live_event("presence:hello")
def on_presence_hello(token: Caller, command: protocol.Hello):
    """Tell the table the caller's display name (optional, for presence)."""
    _connections[request.sid]["name"] = command.name
    changes.rename(request.sid, command.name)
    broadcast.presence(token.meeting_id, token.table_number)
    return {"ok": True}


@live_event("sync")
def on_sync(token: Caller, command: protocol.Sync):
    """Answer what the caller missed since its last sequence number, or a fresh snapshot."""
    # the meeting's seq first: changes commit in seq order, so the events read next hold every
    # change up to it (and perhaps later ones); a later `since` from this answer skips nothing
    seq = db.session.execute(select(Meeting.seq).where(Meeting.id == token.meeting_id)).scalar_one()
    missed = snapshot.events_since(token.meeting_id, command.since, token.table_number, token.role)
    if missed is None:
        fresh = snapshot.snapshot(token.meeting, token.role, token.table_number, token.author)
        return {"ok": True, "snapshot": fresh}
    return {
        "ok": True,
        "events": missed,
        "seq": max([seq, *(e["data"]["seq"] for e in missed)]),
    }


@live_event("entry:hide")
def on_entry_hide(token: Caller, command: protocol.HideEntry):
    """The chair hides an entry from the screens (or shows it again)."""
    return broadcast.publish(token.meeting_id, changes.hide_entry(_actor(token), command))


@live_event("chair:phase")
def on_chair_phase(token: Caller, command: protocol.SetPhase):
    """The chair moves the meeting to another phase."""
    return broadcast.publish(token.meeting_id, changes.set_phase(_actor(token), command))


@live_event("chair:timer")
def on_chair_timer(token: Caller, command: protocol.SetTimer):
    """The chair runs the table-round timer."""
    return broadcast.publish(token.meeting_id, changes.set_timer(_actor(token), command))


@live_event("chair:view")
def on_chair_view(token: Caller, command: protocol.SetView):
    """The chair sets what every screen shows."""
    return broadcast.publish(token.meeting_id, changes.set_view(_actor(token), command))


@live_event("chair:feedback-order")
def on_chair_feedback_order(token: Caller, command: protocol.SetFeedbackOrder):
    """The chair reorders (or skips tables in) the report-back."""
    return broadcast.publish(token.meeting_id, changes.set_feedback_order(_actor(token), command))


@live_event("topics:get")
def on_topics_get(token: Caller, command: protocol.GetTopics):
    """Topics that came up at several tables (and repeatedly within one), computed now."""
    return {"ok": True, **meeting_topics(token.meeting, command.limit)}


@live_event("feedback:update")
def on_feedback_update(token: Caller, command: protocol.UpdateFeedback):
    """The minute-taker's CRDT update of a table's plenary feedback."""
    return broadcast.publish(token.meeting_id, feedback.update_feedback(_actor(token), command))


@live_event("feedback:spokesperson")
def on_feedback_spokesperson(token: Caller, command: protocol.SetSpokesperson):
    """The minute-taker notes who reported back for a table."""
    return broadcast.publish(token.meeting_id, feedback.set_spokesperson(_actor(token), command))
