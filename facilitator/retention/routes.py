"""The administrator's retention page of a meeting: its period and mode, and "delete now"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms yet
from wtforms.validators import NumberRange, Optional

from ..access import meeting_or_404
from ..audit.trail import record
from ..auth.routes import admin_required
from ..extensions import db
from . import erase

bp = Blueprint("retention", __name__, url_prefix="/secretariaat/vergaderingen/<slug>")


class RetentionForm(FlaskForm):
    """The meeting's retention period and what happens at its end (empty: the settings' default)."""

    days = IntegerField(
        _l("Bewaartermijn in dagen na de vergadering"),
        validators=[Optional(), NumberRange(1, 36500, _l("Kies 1 tot 36500 dagen."))],
    )
    mode = SelectField(
        _l("Aan het eind van de termijn"),
        choices=[
            SelectChoice("", _l("zoals ingesteld voor alle vergaderingen")),
            SelectChoice("anonymise", _l("alleen de persoonsgegevens wissen; de teksten blijven")),
            SelectChoice("delete", _l("de hele vergadering verwijderen")),
        ],
    )


class DeleteForm(FlaskForm):
    """Deleting a meeting at once: only with the box ticked."""

    confirm = BooleanField(
        _l("Ja, verwijder deze vergadering met alles wat erin is getypt. Dit kan niet ongedaan.")
    )


def _page(meeting, form: RetentionForm, delete_form: DeleteForm, status: int = 200):
    return render_template(
        "secretariat/retention.html",
        meeting=meeting,
        form=form,
        delete_form=delete_form,
        erase_date=erase.erase_date(meeting),
        days=erase.retention_days(meeting),
        mode=erase.retention_mode(meeting),
        here=_("Bewaartermijn"),
    ), status


@bp.get("/bewaren")
@admin_required
def settings(slug: str):
    meeting = meeting_or_404(slug)
    form = RetentionForm(data={"days": meeting.retention_days, "mode": meeting.retention_mode or ""})
    return _page(meeting, form, DeleteForm(formdata=None))


@bp.post("/bewaren")
@admin_required
def save(slug: str):
    meeting = meeting_or_404(slug)
    form = RetentionForm()
    if not form.validate_on_submit():
        return _page(meeting, form, DeleteForm(formdata=None), 400)
    meeting.retention_days = form.days.data
    meeting.retention_mode = form.mode.data or None
    db.session.commit()
    record(
        "retention_changed", meeting, days=erase.retention_days(meeting), mode=erase.retention_mode(meeting)
    )
    flash(_("Bewaartermijn opgeslagen."), "success")
    return redirect(url_for(".settings", slug=slug), code=303)


@bp.post("/verwijderen")
@admin_required
def delete_now(slug: str):
    meeting = meeting_or_404(slug)
    form = DeleteForm()
    if not form.validate_on_submit() or not form.confirm.data:
        form.confirm.errors = [_("Vink aan dat u deze vergadering echt wilt verwijderen.")]
        settings_form = RetentionForm(
            formdata=None, data={"days": meeting.retention_days, "mode": meeting.retention_mode or ""}
        )
        return _page(meeting, settings_form, form, 400)
    title = meeting.title
    erase.delete_meeting(meeting, reason="by hand")
    flash(_("De vergadering „%(title)s” is verwijderd.", title=title), "success")
    return redirect(url_for("secretariat.meetings"), code=303)
