"""Record a secretariat action in the audit trail, and keep the trail append-only.

Every route that changes or hands out something calls ``record`` after its own change is
committed; the command line records with an empty address and the account "" (shown as
"opdrachtregel"). No code path updates or deletes a row: the ORM refuses it (``AppendOnly``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import AuditEvent, Meeting, User

log = logging.getLogger(__name__)

# every action the trail knows, with how the page names it (in the page's language)
ACTIONS: dict[str, Any] = {
    "signin": _l("Ingelogd"),
    "signin_failed": _l("Inloggen mislukt"),
    "signout": _l("Uitgelogd"),
    "totp_enabled": _l("Tweestapsverificatie aangezet"),
    "totp_disabled": _l("Tweestapsverificatie uitgezet"),
    "meeting_created": _l("Vergadering aangemaakt"),
    "meeting_edited": _l("Vergadering bewerkt"),
    "meeting_imported": _l("Sessiebestand geïmporteerd"),
    "session_exported": _l("Sessiebestand gedownload"),
    "links_exported": _l("Links als JSON gedownload"),
    "link_rotated": _l("Nieuwe link gemaakt"),
    "link_restored": _l("Oude link teruggezet"),
    "cards_downloaded": _l("Kaarten gedownload"),
    "annex_started": _l("Bijlage gemaakt"),
    "annex_downloaded": _l("Bijlage gedownload"),
    "feedback_exported": _l("Terugkoppeling gedownload"),
    "data_exported": _l("Gegevens voor analyse gedownload"),
    "curation_changed": _l("Bijgewerkt na de vergadering"),
    "style_changed": _l("Huisstijl gewijzigd"),
    "account_created": _l("Account aangemaakt"),
    "account_changed": _l("Account gewijzigd"),
    "signin_settings_changed": _l("Inlogmanieren gewijzigd"),
    "retention_changed": _l("Bewaartermijn gewijzigd"),
    "personal_data_erased": _l("Persoonsgegevens gewist"),
    "meeting_deleted": _l("Vergadering verwijderd"),
}


class AppendOnly(RuntimeError):
    """An attempt to change or delete a row of the audit trail."""


def record(
    action: str,
    meeting: Meeting | None = None,
    *,
    user: User | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    """Add one row to the trail and commit it (after the action's own commit).

    ``user``: the account that acted (default: the logged-in one); ``actor``: a name without an
    account (a failed sign-in's attempted name). ``detail``: small JSON facts about what was done.
    A trail that cannot be written is logged, never turned into a failed action.
    """
    assert action in ACTIONS, action
    if user is None and has_request_context():
        user = g.get("user")
    web = has_request_context()
    row = AuditEvent(
        actor=(user.name if user is not None else (actor or ""))[:120],
        user_id=user.id if user is not None else None,
        action=action,
        meeting_slug=meeting.slug if meeting is not None else None,
        meeting_title=meeting.title[:300] if meeting is not None else None,
        detail={key: value for key, value in detail.items() if value is not None},
        address=((request.remote_addr or "?") if web else "")[:64],
    )
    try:
        db.session.add(row)
        db.session.commit()
    except Exception:  # the action itself is done: say so in the log, do not undo it
        db.session.rollback()
        log.exception("the audit trail could not record %s", action)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    raise AppendOnly(f"the audit trail is append-only (row {target.id})")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE statement on the trail through the ORM (query.delete() and the like)."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AppendOnly("the audit trail is append-only")
