"""Groups of entries across tables, for the secretariat after (or during) the meeting: the same
changes as the chair's (`group:set` through the executor, as the logged-in secretariat member),
from a page that works without JavaScript: make a group from ticked entries or from a suggestion,
rename, merge, dissolve, and undo the last of these (kept in the member's session, as the chair's
page keeps it: the groups it changed set back as they were, a group it made dissolved). Every
change reaches the live screens and goes into the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms yet
from wtforms.validators import DataRequired, Length, Optional

from ..access import meeting_or_404
from ..audit.trail import record
from ..auth.routes import login_required
from ..entry_groups import EntryGroup, groups_state
from ..extensions import db
from ..live.actions.groups import suggest_off_loop
from ..models import Entry, RoundTable
from ..validators import PlainText
from .forms import ChangeForm
from .routes import as_secretariat

bp = Blueprint("groups", __name__, url_prefix="/secretariaat/vergaderingen/<slug>/groepen")
NAME = [DataRequired(_l("Geef de groep een naam.")), Length(max=120), PlainText()]
UNDO = "groups_undo"  # the session's last change of the groups: {meeting, previous, made}


class NewGroupForm(ChangeForm):
    """A new group: its name and the ticked entries (or a suggestion's)."""

    name = StringField(_l("Naam"), validators=NAME)
    entries = SelectMultipleField(
        _l("Inbreng"), validators=[DataRequired(_l("Vink de inbreng van de groep aan."))]
    )


class GroupChangeForm(ChangeForm):
    """Rename, merge into another group, or dissolve."""

    name = StringField(_l("Naam"), validators=[Optional(), Length(max=120), PlainText()])
    action = SelectField(choices=[SelectChoice(value, value) for value in ("rename", "merge", "dissolve")])
    into = SelectField(_l("Samenvoegen met"), choices=[], validate_choice=False)


def _entries(meeting) -> list[dict[str, Any]]:
    """The meeting's visible entries, with their table, in table order."""
    rows = db.session.execute(
        select(Entry.id, Entry.text, Entry.round_number, RoundTable.number)
        .join(RoundTable, RoundTable.id == Entry.table_id)
        .where(RoundTable.meeting_id == meeting.id, Entry.deleted_at.is_(None))
        .where(Entry.hidden.is_(False), Entry.waiting.is_(False))
        .order_by(RoundTable.number, Entry.created_seq)
    ).all()
    return [{"id": i, "text": t, "round": r, "table": n} for i, t, r, n in rows]


def _set(meeting, group: dict[str, Any], remember: bool = True) -> bool:
    """One `group:set` as the secretariat member; a refusal is flashed, nothing changes.
    ``remember``: keep what the change replaced, for "Laatste wijziging ongedaan maken"."""
    ack = as_secretariat(meeting, None, "group:set", group)
    if ack is None:
        return False
    if remember:
        previous = [
            {"id": g["id"], "name": g["name"], "entries": g["entries"]} for g in ack.get("previous", [])
        ]
        before = {g["id"] for g in previous}
        made = [{"id": g["id"], "name": g["name"]} for g in ack.get("groups", []) if g["id"] not in before]
        session[UNDO] = {"meeting": meeting.slug, "previous": previous, "made": made}
    record("curation_changed", meeting, change="group:set", group=group["name"], count=len(group["entries"]))
    return True


def _page(meeting, new_form: NewGroupForm | None = None, status: int = 200):
    entries = _entries(meeting)
    groups = groups_state(meeting.id)
    grouped = {e for g in groups for e in g["entries"]}
    labels = [b.label for b in meeting.bollen] + [h.label for h in meeting.horizons]
    free = [(e["id"], e["table"], e["text"]) for e in entries if e["id"] not in grouped]
    suggestions = suggest_off_loop(free, meeting.language or "nl", ignore=labels)
    new_form = new_form or NewGroupForm()
    new_form.entries.choices = [SelectChoice(e["id"], e["text"]) for e in entries]
    text = {e["id"]: e for e in entries}
    return (
        render_template(
            "curation/groups.html",
            meeting=meeting,
            groups=groups,
            entries=entries,
            text=text,
            suggestions=suggestions,
            new_form=new_form,
            change_form=GroupChangeForm(),
            undo_form=ChangeForm() if (session.get(UNDO) or {}).get("meeting") == meeting.slug else None,
        ),
        status,
    )


@bp.get("/")
@login_required
def page(slug: str):
    """The groups of the meeting, the suggestions, and a form for a new group."""
    return _page(meeting_or_404(slug))


@bp.post("/nieuw")
@login_required
def new(slug: str):
    """A new group from ticked entries (or a suggestion); a form sent twice makes one group."""
    meeting = meeting_or_404(slug)
    form = NewGroupForm()
    form.entries.choices = [SelectChoice(e["id"], e["text"]) for e in _entries(meeting)]
    if not form.validate_on_submit():
        return _page(meeting, form, 400)
    key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"group:{form.op.data}"))
    if _set(meeting, {"op": form.op.data, "id": key, "name": form.name.data, "entries": form.entries.data}):
        flash(_("Groep „%(name)s” gemaakt.", name=form.name.data), "success")
    return redirect(url_for(".page", slug=slug))


@bp.post("/<key>/wijzigen")
@login_required
def change(slug: str, key: str):
    """Rename a group, merge it into another, or dissolve it."""
    meeting = meeting_or_404(slug)
    rows = {g.key: g for g in db.session.query(EntryGroup).filter_by(meeting_id=meeting.id)}
    group = rows.get(key)
    if group is None or not group.entry_ids:
        abort(404)
    form = GroupChangeForm()
    if not form.validate_on_submit():
        flash(_("Deze wijziging van de groep is niet gelukt; probeer het opnieuw."), "error")
        return redirect(url_for(".page", slug=slug)), 303
    name = (form.name.data or "").strip() or group.name
    if form.action.data == "rename":
        done = _set(meeting, {"op": form.op.data, "id": key, "name": name, "entries": list(group.entry_ids)})
    elif form.action.data == "dissolve":
        done = _set(meeting, {"op": form.op.data, "id": key, "name": group.name, "entries": []})
    else:
        into = rows.get(form.into.data or "")
        if into is None or into is group or not into.entry_ids:
            flash(_("Kies een andere groep om mee samen te voegen."), "error")
            return redirect(url_for(".page", slug=slug)), 303
        merged = [*into.entry_ids, *group.entry_ids]
        done = _set(meeting, {"op": form.op.data, "id": into.key, "name": into.name, "entries": merged})
    if done:
        flash(_("De groepen zijn bijgewerkt."), "success")
    return redirect(url_for(".page", slug=slug))


@bp.post("/ongedaan")
@login_required
def undo(slug: str):
    """Undo this member's last change of the groups: the groups it changed as they were, a group
    it made dissolved (each a `group:set`, so the screens follow)."""
    meeting = meeting_or_404(slug)
    form = ChangeForm()
    last = session.get(UNDO) or {}
    if not form.validate_on_submit() or last.get("meeting") != meeting.slug:
        flash(_("Er is geen wijziging van de groepen om ongedaan te maken."), "error")
        return redirect(url_for(".page", slug=slug)), 303
    changes = [{**g, "entries": []} for g in last.get("made", [])] + list(last.get("previous", []))
    for i, group in enumerate(changes):
        op = str(uuid.uuid5(uuid.NAMESPACE_URL, f"groups-undo:{form.op.data}:{i}"))
        if not _set(meeting, {"op": op, **group}, remember=False):
            return redirect(url_for(".page", slug=slug)), 303
    session.pop(UNDO, None)
    flash(_("De laatste wijziging van de groepen is ongedaan gemaakt."), "success")
    return redirect(url_for(".page", slug=slug))
