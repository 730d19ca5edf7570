"""Entries: add, change, delete, restore (a table's rapporteur and participants), revert
(curation), hide from the screens (the chair).

Each is staged in the batch (batch.py) against the entry rows it read and locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from flask_babel import lazy_gettext as _l

from ...models import Operation, utcnow
from ...rules import TABLE_ROLES, author_tag, may_change_entry
from .. import fields
from .. import statements as sql
from ..batch import Job, MeetingBatch, Staged
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields, nothing_to_change
from ..registry import Action, Caller, Event, emits, register
from ..snapshot import entry_deleted_event, entry_event, logged_table, screen_entry

# --- commands and their parsers ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AddEntry(Change):
    """`entry:add`: a new entry with the client's id."""

    kind = "entry:add"
    id: str
    text: str
    bollen: list[str]
    horizons: list[str]
    round: int | None = None  # the round it was typed in (None: the one the tables are in now)


@dataclass(frozen=True, kw_only=True)
class UpdateEntry(Change):
    """`entry:update`: new text, bollen or horizons (None: unchanged; at least one is set)."""

    kind = "entry:update"
    id: str
    text: str | None = None
    bollen: list[str] | None = None
    horizons: list[str] | None = None


@dataclass(frozen=True, kw_only=True)
class RevertEntry(UpdateEntry):
    """Curation: make an entry this earlier state again, restoring it if it was deleted."""

    kind = "entry:revert"


@dataclass(frozen=True, kw_only=True)
class DeleteEntry(Change):
    """`entry:delete`: mark an entry deleted."""

    kind = "entry:delete"
    id: str


@dataclass(frozen=True, kw_only=True)
class RestoreEntry(Change):
    """`entry:restore`: undo a delete."""

    kind = "entry:restore"
    id: str


@dataclass(frozen=True, kw_only=True)
class HideEntry(Change):
    """`entry:hide`: hide an entry from the screens, or show it again."""

    kind = "entry:hide"
    id: str
    hidden: bool


@dataclass(frozen=True, kw_only=True)
class ApproveEntry(Change):
    """`entry:approve`: the rapporteur lets a participant's waiting entry go live."""

    kind = "entry:approve"
    id: str


EntryChange = AddEntry | UpdateEntry | DeleteEntry | RestoreEntry | HideEntry | ApproveEntry


def parse_add(payload: Any, template: Template) -> AddEntry:
    """Read `entry:add`."""
    payload, common = change_fields(payload)
    number = fields.whole_number(payload, "round", 1, max(1, len(template.rounds)), required=False)
    # a round of free entries needs no bol (without a round named, the stage checks the current one)
    free = "none" in template.rounds if number is None else template.rounds[number - 1 : number] == ("none",)
    return AddEntry(
        **common,
        id=fields.op_id(payload, "id"),
        text=fields.entry_text(payload, required=True),
        bollen=fields.keys(payload, "bollen", template.bollen, required=not free, at_least=0 if free else 1)
        or [],
        horizons=fields.keys(payload, "horizons", template.horizons, required=False, at_least=0) or [],
        round=number,
    )


def parse_update(payload: Any, template: Template, command: type[UpdateEntry] = UpdateEntry) -> UpdateEntry:
    """Read `entry:update` (and curation's revert to an earlier version)."""
    payload, common = change_fields(payload)
    entry_id = fields.op_id(payload, "id")
    text = fields.entry_text(payload, required=False)
    bollen = fields.keys(payload, "bollen", template.bollen, required=False, at_least=1)
    horizons = fields.keys(payload, "horizons", template.horizons, required=False, at_least=0)
    if text is None and bollen is None and horizons is None:
        raise nothing_to_change()
    return command(**common, id=entry_id, text=text, bollen=bollen, horizons=horizons)


def parse_revert(payload: Any, template: Template) -> UpdateEntry:
    """Read curation's revert of an entry to an earlier state."""
    return parse_update(payload, template, RevertEntry)


def parse_delete(payload: Any, template: Template) -> DeleteEntry:
    """Read `entry:delete`."""
    payload, common = change_fields(payload)
    return DeleteEntry(**common, id=fields.op_id(payload, "id"))


def parse_restore(payload: Any, template: Template) -> RestoreEntry:
    """Read `entry:restore`."""
    payload, common = change_fields(payload)
    return RestoreEntry(**common, id=fields.op_id(payload, "id"))


def parse_hide(payload: Any, template: Template) -> HideEntry:
    """Read `entry:hide`."""
    payload, common = change_fields(payload)
    return HideEntry(**common, id=fields.op_id(payload, "id"), hidden=fields.boolean(payload, "hidden"))


# --- the checks every way in shares --------------------------------------------------------------


def check_author(caller: Caller, entry_author: str | None) -> None:
    """Refuse `forbidden` when the caller may not change this entry (someone else's, for a participant)."""
    if not may_change_entry(caller.role, caller.author, entry_author):
        raise ProtocolError(
            "forbidden",
            _l(
                "U kunt alleen de inbreng wijzigen of verwijderen die u zelf op dit apparaat hebt toegevoegd."
            ),
            {"not_yours": True},
        )


def _row(batch: MeetingBatch, job: Job, table_id: int, deleted: bool | None = False) -> dict[str, Any]:
    """The named entry of the caller's table (deleted or not, as ``deleted`` asks; None: either)."""
    row = batch.entries.get(cast(EntryChange, job.command).id)
    if row is None or row["table_id"] != table_id:
        raise ProtocolError("not_found")
    if deleted is not None and (row["deleted_at"] is not None) != deleted:
        raise ProtocolError("not_found")
    check_author(job.caller, row["author_key"])
    if row["id"] not in batch.inserted:
        batch.changed.add(row["id"])
    return row


def entry_dict(row: dict[str, Any]) -> dict[str, Any]:
    """An entry row as the live protocol sends it (as Entry.to_dict)."""
    return {
        "id": row["id"],
        "text": row["text"],
        "bollen": list(row["bollen"]),
        "horizons": list(row["horizons"]),
        "hidden": bool(row["hidden"]),
        "author": author_tag(row["author_key"]),
        "round": row["round_number"],
        **({"waiting": True} if row["waiting"] else {}),
    }


def _set_content(row: dict[str, Any], command: UpdateEntry) -> None:
    for name in ("text", "bollen", "horizons"):
        if (value := getattr(command, name)) is not None:
            row[name] = value
    row["updated_at"] = utcnow()


def _changed(job: Job, row: dict[str, Any], batch: MeetingBatch | None = None, reseq: bool = False) -> Staged:
    """The staged change of an entry: its state now, and its `entry` event once it has a seq."""
    number, data = job.table_number, entry_dict(row)

    def finish(seq: int) -> tuple[dict[str, Any], list[Event], int]:
        if reseq and batch is not None:  # back at the end, as every client appends it
            row["created_seq"] = seq
            if row["id"] not in batch.inserted:
                batch.reseq[row["id"]] = seq
        return {"entry": data}, [entry_event(number, data, seq)], 0

    return Staged(job, row["id"], finish)


# --- stages (batch.py) -----------------------------------------------------------------------------


def stage_add(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """A new entry in the caller's table; its created_seq is the change's."""
    command = cast(AddEntry, job.command)
    if command.id in batch.entries:
        raise ProtocolError("invalid", _l("Er bestaat al een inbreng met deze id."))
    current, current_template, _ = batch.current_round
    if command.round is None and not command.bollen and current_template != "none":
        raise ProtocolError("invalid", _l("Kies ten minste één bol."))
    now = utcnow()
    row = {
        "id": command.id,
        "table_id": table_id,
        "text": command.text,
        "bollen": command.bollen,
        "horizons": command.horizons,
        "hidden": False,
        "created_seq": 0,  # set once the sequence is taken
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "author_key": job.caller.author,
        "round_number": command.round or current,
        # a participant's entry in a round with moderation waits for the rapporteur
        "waiting": job.caller.role == "participant"
        and batch.moderation(command.round or current) == "approval",
    }
    batch.entries[command.id] = batch.inserted[command.id] = row
    return _changed(job, row, batch, reseq=True)


def stage_update(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """New text, bollen or horizons of an entry of the caller's table."""
    row = _row(batch, job, table_id)
    _set_content(row, cast(UpdateEntry, job.command))
    return _changed(job, row)


def stage_delete(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Mark an entry deleted (it stays in the history)."""
    row = _row(batch, job, table_id)
    row["deleted_at"] = utcnow()
    number, entry_id = job.table_number, row["id"]
    return Staged(
        job, entry_id, lambda seq: ({"id": entry_id}, [entry_deleted_event(number, entry_id, seq)], 0)
    )


def stage_restore(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Undo a delete: the entry comes back at the end."""
    row = _row(batch, job, table_id, deleted=True)
    row["deleted_at"] = None
    return _changed(job, row, batch, reseq=True)


def parse_approve(payload: Any, template: Template) -> ApproveEntry:
    """Read `entry:approve`."""
    payload, common = change_fields(payload)
    return ApproveEntry(**common, id=fields.op_id(payload, "id"))


def stage_approve(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """A waiting entry of the caller's table goes live (an approved one stays as it is)."""
    row = _row(batch, job, table_id)
    row["waiting"] = False
    return _changed(job, row)


def stage_revert(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Curation: an earlier state of an entry again, restored first if it was deleted."""
    row = _row(batch, job, table_id, deleted=None)
    was_deleted = row["deleted_at"] is not None
    row["deleted_at"] = None
    _set_content(row, cast(RevertEntry, job.command))
    return _changed(job, row, batch, reseq=was_deleted)


def stage_hide(batch: MeetingBatch, job: Job, table_id: None) -> Staged:
    """The chair hides an entry of any table from the screens (or shows it again); nothing is deleted."""
    command = cast(HideEntry, job.command)
    row = batch.entries.get(command.id)
    if row is None or row["deleted_at"] is not None:
        raise ProtocolError("not_found")
    number = batch.conn.execute(
        sql.TABLE_NUMBER, {"id": row["table_id"], "meeting": batch.meeting_id}
    ).scalar()
    if number is None:  # an entry of another meeting
        raise ProtocolError("not_found")
    row["hidden"] = command.hidden
    if row["id"] not in batch.inserted:
        batch.changed.add(row["id"])
    data = entry_dict(row)
    return Staged(job, row["id"], lambda seq: ({"entry": data}, [entry_event(number, data, seq)], 0))


# --- replay ----------------------------------------------------------------------------------------


def replay_entry(row: Operation) -> list[Event]:
    """The entry as the change left it."""
    return [entry_event(logged_table(row), row.result["entry"], row.seq)]


def replay_deleted(row: Operation) -> list[Event]:
    """The deleted entry's id."""
    return [entry_deleted_event(logged_table(row), row.result["id"], row.seq)]


def screened(data: dict[str, Any], hidden: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """An `entry` event as the screens get it: a hidden entry (by it, or since) or one waiting for
    approval without its content."""
    entry = data["entry"]
    if not (entry["hidden"] or entry.get("waiting") or entry["id"] in hidden):
        return data
    return {**data, "entry": screen_entry({**entry, "hidden": entry["hidden"] or entry["id"] in hidden})}


emits("entry", "table", screened)
emits("entry:deleted", "table")
_entry: dict[str, Any] = {"engine": "batch", "locks": "entry", "replay": replay_entry}
register(
    Action("entry:add", TABLE_ROLES, parse_add, command=AddEntry, stage=stage_add, **_entry),
    # a participant only the entries added from their own device (rules.may_change_entry)
    Action("entry:update", TABLE_ROLES, parse_update, command=UpdateEntry, stage=stage_update, **_entry),
    Action(
        "entry:delete",
        TABLE_ROLES,
        parse_delete,
        "batch",
        command=DeleteEntry,
        stage=stage_delete,
        locks="entry",
        replay=replay_deleted,
    ),
    Action("entry:restore", TABLE_ROLES, parse_restore, command=RestoreEntry, stage=stage_restore, **_entry),
    Action(
        "entry:approve", ("rapporteur",), parse_approve, command=ApproveEntry, stage=stage_approve, **_entry
    ),
    Action(
        "entry:revert",
        ("secretariat",),
        parse_revert,
        live=False,
        command=RevertEntry,
        stage=stage_revert,
        **_entry,
    ),
    Action(
        "entry:hide", ("chair",), parse_hide, command=HideEntry, stage=stage_hide, scope="meeting", **_entry
    ),
)
