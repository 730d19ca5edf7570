"""The audit trail's page (filter, newest first, a page at a time) and its CSV download."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms yet
from wtforms.validators import Length, Optional

from ..auth.routes import admin_required
from ..extensions import db
from ..models import AuditEvent
from .trail import ACTIONS

bp = Blueprint("audit", __name__, url_prefix="/secretariaat")

PAGE_SIZE = 100
CSV_LIMIT = 100_000  # rows in one download; a wider one is asked for in parts (by dates)
# a cell starting with one of these is a formula to a spreadsheet: it gets a leading apostrophe
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TrailFilter(FlaskForm):
    """What the page and the download show (GET: nothing is changed, no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(validators=[Optional()])
    meeting = StringField(validators=[Optional(), Length(max=120)])
    actor = StringField(validators=[Optional(), Length(max=120)])
    since = DateField(validators=[Optional()])
    until = DateField(validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.label.text = _("Handeling")
        self.meeting.label.text = _("Vergadering (code in de adresbalk)")
        self.actor.label.text = _("Wie")
        self.since.label.text = _("Vanaf")
        self.until.label.text = _("Tot en met")
        self.action.choices = [SelectChoice("", _("Alle handelingen"))] + [
            SelectChoice(key, str(label)) for key, label in ACTIONS.items()
        ]


def _filtered(form: TrailFilter) -> Select[Any]:
    query = select(AuditEvent)
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.meeting.data:
        query = query.where(AuditEvent.meeting_slug == form.meeting.data.strip())
    if form.actor.data:
        needle = form.actor.data.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(AuditEvent.actor).like(f"%{needle}%", escape="\\"))
    if isinstance(form.since.data, date):
        query = query.where(AuditEvent.at >= datetime.combine(form.since.data, time.min, UTC))
    if isinstance(form.until.data, date):
        query = query.where(
            AuditEvent.at < datetime.combine(form.until.data + timedelta(days=1), time.min, UTC)
        )
    return query.order_by(AuditEvent.id.desc())


def _form() -> TrailFilter:
    form = TrailFilter(request.args)
    if request.args and not form.validate():
        for field in (form.action, form.meeting, form.actor, form.since, form.until):
            if field.errors:
                field.data = None  # a filter that cannot be read filters nothing; the page says so
    return form


def who(row: AuditEvent) -> str:
    """The account, or what acted without one."""
    if row.user_id is None and not row.address:
        return _("opdrachtregel")
    if row.user_id is None:
        return _("%(name)s (geen account)", name=row.actor) if row.actor else _("onbekend")
    return row.actor


def what(row: AuditEvent) -> str:
    return str(ACTIONS.get(row.action, row.action))


def details(row: AuditEvent) -> str:
    """The row's facts as "key: value" pairs (user text: escaped by the template)."""
    return "; ".join(f"{key}: {value}" for key, value in sorted((row.detail or {}).items()))


@bp.get("/logboek")
@admin_required
def trail():
    """The audit trail, newest first, filtered; a page of PAGE_SIZE rows at a time."""
    form = _form()
    page = request.args.get("pagina", 1, type=int) or 1
    page = max(1, min(page, 100_000))
    query = _filtered(form)
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template(
        "secretariat/audit.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        args=args,
        who=who,
        what=what,
        details=details,
        csv_url=url_for("audit.trail_csv", **args),
    )


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


@bp.get("/logboek.csv")
@admin_required
def trail_csv():
    """The filtered trail as CSV (UTF-8 with a byte order mark, so a spreadsheet reads the accents)."""
    form = _form()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        ["at", "who", "account", "action", "what", "meeting", "meeting_title", "details", "address"]
    )
    for row in db.session.execute(_filtered(form).limit(CSV_LIMIT)).scalars():
        writer.writerow(
            _cell(str(value))
            for value in (
                row.at.astimezone(UTC).isoformat()
                if row.at.tzinfo
                else row.at.replace(tzinfo=UTC).isoformat(),
                who(row),
                "yes" if row.user_id is not None else "no",
                row.action,
                what(row),
                row.meeting_slug or "",
                row.meeting_title or "",
                details(row),
                row.address,
            )
        )
    stamp = datetime.now(UTC).date().isoformat()
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="logboek-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
