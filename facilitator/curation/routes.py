"""Curation after the meeting: the secretariat edits reports, entries and attendance
through the same change machinery as the live pages, and restores earlier versions."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import meeting_or_404
from ..audit.trail import record
from ..auth.routes import current_user, login_required
from ..extensions import db
from ..live import broadcast, executor, protocol
from ..live.actions import ACTIONS
from ..live.errors import ProtocolError
from ..live.registry import Caller
from ..models import Entry, ReportVersion
from ..round_reports import round_report_row
from . import history
from .forms import ActionForm, AttendanceForm, EntriesForm, EntryForm, ReportForm
from .transaction import one_transaction

bp = Blueprint("curation", __name__, url_prefix="/secretariaat/vergaderingen/<slug>/tafels/<int:number>")


def _load(slug: str, number: int):
    meeting = meeting_or_404(slug)
    table = meeting.table(number)
    if table is None:
        abort(404)
    return meeting, table


def _report_round(meeting) -> int:
    """The round whose report the page shows and edits (``?ronde=n``; 1 without rounds)."""
    number = request.args.get("ronde", type=int) or 1
    return number if 1 <= number <= max(1, len(meeting.rounds)) else 1


def _report_text(table, round_number: int) -> str:
    """The table's report of a round (1: the table's own)."""
    if round_number == 1:
        return table.report or ""
    row = round_report_row(table, round_number)
    return row.report if row is not None else ""


def _round_field(round_number: Any) -> dict[str, Any]:
    """What a report:set carries about its round (none for round 1, the table's own report)."""
    return {"round": round_number} if round_number is not None and round_number != 1 else {}


def _caller(meeting, number: int | None) -> Caller:
    user = current_user()
    assert user is not None  # the routes are login_required
    return Caller(meeting.id, "secretariat", number, name=user.name)


def as_secretariat(meeting, number: int | None, action: str, payload: dict) -> dict[str, Any] | None:
    """Parse a change as the protocol does, run it as the logged-in secretariat member (at table
    ``number``, or the whole meeting), publish it; its ack, or None when refused (flashed, rolled back)."""
    try:
        command = ACTIONS[action].parse(payload, protocol.Template(meeting))
        return broadcast.publish(meeting.id, executor.execute(_caller(meeting, number), command, direct=True))
    except ProtocolError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None


def _apply(meeting, number: int, action: str, payload: dict) -> bool:
    """A change at a table as the secretariat member (as_secretariat), kept in the audit trail."""
    if as_secretariat(meeting, number, action, payload) is None:
        return False
    record(
        "curation_changed",
        meeting,
        table=number,
        change=action,
        **({"entry": payload["id"]} if "id" in payload else {}),
    )
    return True


def _entry_or_404(table, entry_id: str) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.table_id != table.id:
        abort(404)
    return entry


def _back(slug: str, number: int, anchor: str = ""):
    return redirect(url_for("curation.table", slug=slug, number=number) + anchor)


def _entries_form(meeting, table) -> EntriesForm:
    """The entries table as it is now."""
    rows = [
        {
            "id": e.id,
            "text": e.text,
            "bollen": e.bollen,
            "horizons": e.horizons,
            "hidden": e.hidden,
            "delete": False,
        }
        for e in table.live_entries
    ]
    return EntriesForm(formdata=None, data={"entries": rows}).set_template(meeting)


def _page(meeting, table, problems: dict[int, list[str]] | None = None, **forms):
    forms.setdefault("entries_form", _entries_form(meeting, table))
    by_id = {e.id: e for e in table.entries}
    rows = [(row, by_id.get(row.form.id.data)) for row in forms["entries_form"].entries]
    deleted = [e for e in table.entries if e.deleted_at is not None]
    report_round = forms.pop("report_round", None) or _report_round(meeting)
    if not isinstance(report_round, int):
        report_round = 1
    if "report_form" not in forms:
        data = {"text": _report_text(table, report_round), "round": str(report_round)}
        forms["report_form"] = ReportForm(formdata=None, data=data)
    forms.setdefault(
        "attendance_form",
        AttendanceForm(
            formdata=None,
            data={
                "participants": "\n".join(table.participant_names),
                "leader": table.leader or "",
                "rapporteur": table.rapporteur or "",
                "spokesperson": table.spokesperson or "",
            },
        ),
    )
    forms.setdefault("add_form", EntryForm(formdata=None, prefix="new").set_template(meeting))
    return render_template(
        "curation/table.html",
        meeting=meeting,
        table=table,
        rows=rows,
        problems=problems or {},
        deleted=deleted,
        action_form=ActionForm(),
        report_round=report_round,
        **forms,
    )


@bp.get("/")
@login_required
def table(slug: str, number: int):
    """Everything of one table, editable."""
    meeting, table = _load(slug, number)
    return _page(meeting, table)


@bp.post("/verslag")
@login_required
def save_report(slug: str, number: int):
    """Save the report's text (merged into the live document, so nobody's typing is lost)."""
    meeting, table = _load(slug, number)
    form = ReportForm()
    raw_round = (form.round.data or "1").strip()
    report_round: Any = int(raw_round) if raw_round.isdigit() else raw_round  # refused by report:set
    if not form.validate():
        return _page(meeting, table, report_form=form, report_round=report_round), 400
    if _apply(
        meeting,
        number,
        "report:set",
        {"op": form.op.data, "text": form.text.data or "", **_round_field(report_round)},
    ):
        flash(_("Het verslag is opgeslagen."), "success")
    if not isinstance(report_round, int) or report_round == 1:
        return _back(slug, number, "#verslag")
    return redirect(url_for("curation.table", slug=slug, number=number, ronde=report_round) + "#verslag")


@bp.post("/deelnemers")
@login_required
def save_attendance(slug: str, number: int):
    """Correct who sat at the table."""
    meeting, table = _load(slug, number)
    form = AttendanceForm()
    if not form.validate():
        return _page(meeting, table, attendance_form=form), 400
    names = [line.strip() for line in (form.participants.data or "").splitlines() if line.strip()]
    payload = {
        "op": form.op.data,
        "participants": names,
        "leader": form.leader.data or None,
        "rapporteur": form.rapporteur.data or None,
        "spokesperson": form.spokesperson.data or None,
    }
    if _apply(meeting, number, "table:update", payload):
        flash(_("De deelnemers zijn opgeslagen."), "success")
    return _back(slug, number, "#deelnemers")


@bp.post("/inbreng")
@login_required
def add_entry(slug: str, number: int):
    """Add an entry."""
    meeting, table = _load(slug, number)
    form = EntryForm(prefix="new").set_template(meeting)
    if not form.validate():
        return _page(meeting, table, add_form=form), 400
    payload = {
        "op": form.op.data,
        "id": form.op.data,
        "text": form.text.data,
        "bollen": form.bollen.data,
        "horizons": form.horizons.data,
    }
    if _apply(meeting, number, "entry:add", payload):
        flash(_("De inbreng is toegevoegd."), "success")
    return _back(slug, number, "#inbreng")


def _row_op(form_op: str, entry_id: str, kind: str) -> str:
    """One op id per row and kind of change, derived from the form's: a form sent twice applies once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"curation:{form_op}:{entry_id}:{kind}"))


def _row_changes(meeting, form: EntriesForm, live: dict) -> tuple[list, dict[int, list[str]]]:
    """Every change the rows ask for, parsed as the protocol does; and each row's problems."""
    template = protocol.Template(meeting)
    planned, problems = [], {}
    for index, row in enumerate(form.entries):
        f = row.form
        entry = live.get(f.id.data)
        if entry is None:
            if not f.delete.data:  # (a row deleted already: a resent form, nothing to do)
                problems[index] = [
                    _(
                        "Deze inbreng is intussen verwijderd. "
                        "Vink „Verwijderen” aan of laad de pagina opnieuw."
                    )
                ]
            continue
        wanted: list[tuple[str, dict[str, Any], str]] = []
        if f.delete.data:
            wanted.append(("entry:delete", {"id": entry.id}, "delete"))
        else:
            content = {"text": f.text.data, "horizons": f.horizons.data or []}
            if f.bollen.data:  # (an entry of a round of free entries has none)
                content["bollen"] = f.bollen.data
            # the checkboxes come in the template's order: a different order is no change
            if (content["text"], set(f.bollen.data or []), set(content["horizons"])) != (
                entry.text,
                set(entry.bollen),
                set(entry.horizons),
            ):
                wanted.append(("entry:update", {"id": entry.id, **content}, "update"))
            if bool(f.hidden.data) != bool(entry.hidden):
                payload = {"id": entry.id, "hidden": bool(f.hidden.data)}
                wanted.append(("entry:hide", payload, "hide"))
        for action, payload, kind in wanted:
            try:
                command = ACTIONS[action].parse(
                    {"op": _row_op(form.op.data or "", entry.id, kind), **payload}, template
                )
            except ProtocolError as exc:
                problems.setdefault(index, []).append(exc.message)
                continue
            planned.append((index, command))
    return planned, problems


@bp.post("/inbreng-opslaan")
@login_required
def save_entries(slug: str, number: int):
    """Save every entry of the table at once: one transaction, all rows or none."""
    meeting, table = _load(slug, number)
    form = EntriesForm().set_template(meeting)
    if not form.validate():
        return _page(meeting, table, entries_form=form), 400
    planned, problems = _row_changes(meeting, form, {e.id: e for e in table.live_entries})
    if problems:
        return _page(meeting, table, problems, entries_form=form), 400
    caller = _caller(meeting, number)
    meeting_id, outcomes = meeting.id, []
    failed: tuple[int, str] | None = None
    try:
        with one_transaction(meeting_id):
            for index, command in planned:
                try:
                    outcomes.append(executor.execute(caller, command, direct=True))
                except ProtocolError as exc:
                    failed = (index, exc.message)
                    raise
    except ProtocolError:
        assert failed is not None  # only a change raises it, and it says which
        meeting, table = _load(slug, number)
        return _page(meeting, table, {failed[0]: [failed[1]]}, entries_form=form), 409
    for outcome in outcomes:
        broadcast.publish(meeting_id, outcome)
    if planned:
        record("curation_changed", _load(slug, number)[0], table=number, change="entries", count=len(planned))
        flash(_("De inbreng is opgeslagen (%(count)s wijzigingen).", count=len(planned)), "success")
    else:
        flash(_("Er was niets gewijzigd."), "success")
    return _back(slug, number, "#inbreng")


@bp.post("/inbreng/<entry_id>")
@login_required
def update_entry(slug: str, number: int, entry_id: str):
    """Change an entry's text, bollen or horizons."""
    meeting, table = _load(slug, number)
    entry = _entry_or_404(table, entry_id)
    form = EntryForm(prefix=f"e-{entry.id}").set_template(meeting)
    if not form.validate():
        for field in (form.text, form.bollen):
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return _page(meeting, table), 400
    payload = {
        "op": form.op.data,
        "id": entry.id,
        "text": form.text.data,
        "bollen": form.bollen.data,
        "horizons": form.horizons.data,
    }
    if _apply(meeting, number, "entry:update", payload):
        flash(_("De inbreng is gewijzigd."), "success")
    return _back(slug, number, f"#e-{entry.id}")


@bp.post("/inbreng/<entry_id>/verwijderen")
@login_required
def delete_entry(slug: str, number: int, entry_id: str):
    """Delete an entry (it stays in the history and can be restored)."""
    meeting, table = _load(slug, number)
    entry = _entry_or_404(table, entry_id)
    form = ActionForm()
    if form.validate() and _apply(
        meeting,
        number,
        "entry:delete",
        {"op": form.op.data, "id": entry.id},
    ):
        flash(_("De inbreng is verwijderd; u kunt hem hieronder terugzetten."), "success")
    return _back(slug, number, "#verwijderd")


@bp.post("/inbreng/<entry_id>/terugzetten")
@login_required
def restore_entry(slug: str, number: int, entry_id: str):
    """Undo the delete of an entry."""
    meeting, table = _load(slug, number)
    entry = _entry_or_404(table, entry_id)
    form = ActionForm()
    if form.validate() and _apply(
        meeting,
        number,
        "entry:restore",
        {"op": form.op.data, "id": entry.id},
    ):
        flash(_("De inbreng is teruggezet."), "success")
    return _back(slug, number, f"#e-{entry.id}")


@bp.get("/inbreng/<entry_id>/geschiedenis")
@login_required
def entry_history(slug: str, number: int, entry_id: str):
    """Every version of an entry: who, when, what."""
    meeting, table = _load(slug, number)
    entry = _entry_or_404(table, entry_id)
    versions = history.entry_versions(meeting.id, entry.id)
    return render_template(
        "curation/entry_history.html",
        meeting=meeting,
        table=table,
        entry=entry,
        versions=versions,
        action_form=ActionForm(),
    )


@bp.post("/inbreng/<entry_id>/geschiedenis/<int:seq>")
@login_required
def restore_entry_version(slug: str, number: int, entry_id: str, seq: int):
    """Make an earlier version of the entry the current one (as a new change)."""
    meeting, table = _load(slug, number)
    entry = _entry_or_404(table, entry_id)
    version = next((v for v in history.entry_versions(meeting.id, entry.id) if v.seq == seq), None)
    form = ActionForm()
    if version is None or version.entry is None or not form.validate():
        abort(404 if version is None else 400)
    state = version.entry
    # one change: a deleted entry comes back with that version's content in the same commit
    if _apply(
        meeting,
        number,
        "entry:revert",
        {
            "op": form.op.data,
            "id": entry.id,
            "text": state["text"],
            "bollen": state["bollen"],
            "horizons": state["horizons"],
        },
    ):
        flash(_("De eerdere versie is teruggezet."), "success")
    return redirect(url_for("curation.entry_history", slug=slug, number=number, entry_id=entry.id))


@bp.get("/verslag/geschiedenis")
@login_required
def report_history(slug: str, number: int):
    """Every version of the report: who, when, what."""
    meeting, table = _load(slug, number)
    report_round = _report_round(meeting)
    return render_template(
        "curation/report_history.html",
        meeting=meeting,
        table=table,
        report_round=report_round if len(meeting.rounds) > 1 else None,
        versions=history.report_versions(table, report_round),
        who=history.who,
        action_form=ActionForm(),
    )


@bp.post("/verslag/geschiedenis/<int:version_id>")
@login_required
def restore_report_version(slug: str, number: int, version_id: int):
    """Make an earlier version of the report the current text (as a new change)."""
    meeting, table = _load(slug, number)
    version = db.session.get(ReportVersion, version_id)
    if version is None or version.table_id != table.id:
        abort(404)
    form = ActionForm()
    if form.validate() and _apply(
        meeting,
        number,
        "report:set",
        {"op": form.op.data, "text": version.text, **_round_field(version.round_number)},
    ):
        flash(_("De eerdere versie van het verslag is teruggezet."), "success")
    back = url_for("curation.report_history", slug=slug, number=number)
    return redirect(back + (f"?ronde={version.round_number}" if version.round_number else ""))
