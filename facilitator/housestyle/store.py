"""Reading and writing the house style in the database (validate → write → commit)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import HouseStyle, Meeting
from .style import StyleData


def _data(row: HouseStyle) -> StyleData:
    return StyleData(
        name=row.name or "",
        accent=row.accent or "",
        cover=bool(row.cover),
        logo=row.logo,
        logo_type=row.logo_type or "",
        logo_png=row.logo_png,
    )


def _organisation_row() -> HouseStyle | None:
    return db.session.execute(
        select(HouseStyle).where(HouseStyle.meeting_id.is_(None)).order_by(HouseStyle.id).limit(1)
    ).scalar_one_or_none()


def _meeting_row(meeting_id: int) -> HouseStyle | None:
    return db.session.execute(
        select(HouseStyle).where(HouseStyle.meeting_id == meeting_id)
    ).scalar_one_or_none()


def organisation_style() -> StyleData:
    """The organisation's house style (empty when none was ever set)."""
    row = _organisation_row()
    return _data(row) if row else StyleData()


def meeting_style(meeting: Meeting) -> StyleData | None:
    """The style a meeting carries itself (from its session file), or None."""
    row = _meeting_row(meeting.id)
    return _data(row) if row else None


def effective_style(meeting: Meeting | None) -> StyleData | None:
    """What the meeting's annex and screen use: its own style, else the organisation's; None if unset."""
    style = meeting_style(meeting) if meeting is not None and meeting.id else None
    if style is None:
        style = organisation_style()
    return None if style.is_empty else style


def _write(row: HouseStyle, style: StyleData) -> None:
    row.name = style.name
    row.accent = style.accent.lower()
    row.cover = style.cover
    row.logo = style.logo
    row.logo_type = style.logo_type if style.logo else ""
    row.logo_png = style.logo_png if style.logo else None


def save_organisation_style(style: StyleData) -> None:
    """Replace the organisation's house style and commit. The style must be validated already."""
    row = _organisation_row()
    if row is None:
        row = HouseStyle(meeting_id=None)
        db.session.add(row)
    _write(row, style)
    db.session.commit()


def set_meeting_style(meeting: Meeting, style: StyleData | None) -> None:
    """Give a meeting its own style (or none: None), within the caller's transaction (no commit)."""
    row = _meeting_row(meeting.id) if meeting.id else None
    if style is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        db.session.flush()  # the meeting's id
        row = HouseStyle(meeting_id=meeting.id)
        db.session.add(row)
    _write(row, style)
