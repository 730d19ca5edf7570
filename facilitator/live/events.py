"""Socket.IO handlers on /live, and nothing else: one handler per action of the registry
(live/actions/), registered in a loop — authorise from the token, parse, run, broadcast after
the commit.

The token is checked again on every event (a rotated link stops at once): for the batched
changes inside their batch's transaction (batch.py, one query for the whole batch), for the
others here. Role, table and meeting, which never change for a token, are remembered per
connection (connections.py); they always come from the token, never from the payload.
Importing this module registers the handlers; nothing but the app factory imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask_socketio import disconnect, join_room
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy import select

from ..extensions import db, socketio
from ..models import AccessToken
from ..rules import author_hash
from . import broadcast, connections, executor, presence, shared, snapshot
from .actions import CLIENT_EVENTS
from .errors import ProtocolError, TokenRevoked, unavailable
from .protocol import NAMESPACE
from .registry import Action, Caller

log = logging.getLogger(__name__)


def _caller(check: bool) -> Caller | None:
    """The connection's caller; with ``check``, only while its token is still active (read now)."""
    caller = connections.caller(connections.current_sid())
    if caller is None:
        return None
    if check:
        active = db.session.execute(
            select(AccessToken.id).where(AccessToken.token == caller.token, AccessToken.revoked_at.is_(None))
        ).first()
        if active is None:
            return None
    return caller


def _rollback() -> None:
    """Roll the session back; with the database gone even that may fail, which changes nothing."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed", exc_info=True)


def _handler(action: Action) -> Callable[..., dict[str, Any]]:
    """The handler of one action: check the caller's token and role, parse, run, broadcast.

    A batched change's token is checked in its batch's transaction.
    """
    batched = action.engine == "batch"

    def handle(payload: Any = None, *extra: Any) -> dict[str, Any]:
        try:
            caller = _caller(check=not batched)
            if caller is None:
                raise TokenRevoked()
            if caller.role not in action.roles:
                raise ProtocolError("forbidden")
            if not connections.rate_ok(connections.current_sid()):
                raise ProtocolError("rate_limited")
            command = action.parse(payload, shared.template(caller.meeting_id))
            if action.handle is not None:
                return action.handle(caller, command)
            return broadcast.publish(caller.meeting_id, executor.execute(caller, command))
        except TokenRevoked as exc:
            _rollback()
            broadcast.revoked(connections.current_sid())
            disconnect()
            return exc.ack()
        except ProtocolError as exc:
            _rollback()
            return exc.ack()
        except Exception:
            # the server itself failed (its database away, a bug): never a refusal of the
            # change — the client keeps the op and sends it again (the op id makes that safe)
            _rollback()
            log.exception("live event %s failed; answered unavailable", action.name)
            return unavailable()
        finally:
            try:
                db.session.remove()
            except Exception:  # a dead connection cannot be returned cleanly; the pool drops it
                log.debug("session cleanup failed after %s", action.name, exc_info=True)

    handle.__name__ = f"on_{action.name.replace(':', '_').replace('-', '_')}"
    return handle


for _action in CLIENT_EVENTS.values():
    socketio.on_event(_action.name, _handler(_action), namespace=NAMESPACE)


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None) -> None:
    """Accept a connection only with an active token; join its rooms; send the snapshot."""
    raw = auth.get("token") if isinstance(auth, dict) else None
    author = author_hash(auth.get("author")) if isinstance(auth, dict) else None
    try:
        token = AccessToken.lookup(raw)
        if token is None:
            raise ConnectionRefusedError("unknown or revoked token")
        meeting_id, number, role = token.meeting_id, token.table_number, token.role
        connections.open_(
            connections.current_sid(), Caller(meeting_id, role, number, token.token, token.id, author)
        )
        for room in broadcast.rooms_to_join(meeting_id, number, role):
            join_room(room)
        presence.join(connections.current_sid(), token)
        broadcast.send(
            "snapshot", snapshot.snapshot(token.meeting, role, number, author), connections.current_sid()
        )
        broadcast.presence(meeting_id, number)
    except ConnectionRefusedError:
        raise
    except Exception:
        _rollback()
        connections.close(connections.current_sid())
        log.exception("live connect failed")
        raise ConnectionRefusedError("server error") from None
    finally:
        db.session.remove()


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*args: Any) -> None:
    """Forget the connection and tell the table who is still there."""
    state = connections.close(connections.current_sid())
    try:
        where = presence.leave(connections.current_sid())
        if where is not None:
            broadcast.presence(*where)
    except Exception:  # the database may be gone at shutdown; presence is best effort
        db.session.rollback()
        log.debug("presence cleanup failed for %s (%s)", connections.current_sid(), state)
    # No db.session.remove() here: a rotation disconnects the old link's sockets from inside
    # the secretariat's request, whose app context (and session) this handler then shares;
    # removing it would detach that request's objects (a 500). A handler that owns its
    # context has its session removed when the context ends.
