"""Forms of the curation pages. Each carries a hidden operation id made when the page was
drawn, so a form sent twice (a double click, a reload) applies once."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from ..rules import LIMITS
from ..validators import PlainText


def new_op() -> str:
    """A fresh operation id for a form."""
    return str(uuid.uuid4())


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (one per bol or horizon)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def entry_fields(text_field: type[Field], bol_required: bool = True) -> tuple[Field, Field, Field]:
    """An entry's text (a ``text_field``), bollen and horizons: the fields of the entry form and of
    a row of the entries table. Made where the form class calls it, so they keep their place among
    its fields."""
    text = text_field(
        _l("Inbreng"),
        validators=[
            DataRequired(_l("Vul de inbreng in.")),
            Length(max=LIMITS["entry_text"]),
            PlainText(multiline=True),
        ],
    )
    # a row of the entries table checks its bollen itself: an entry of a round of free entries has none
    bol_check = DataRequired(_l("Kies ten minste één bol.")) if bol_required else Optional()
    bollen = CheckboxesField(_l("Bollen"), validators=[bol_check])
    horizons = CheckboxesField(_l("Horizon"), validators=[Optional()])
    return text, bollen, horizons


def offer_template(form: Any, meeting) -> None:
    """Offer the meeting's bollen and horizons in a form made with ``entry_fields``."""
    form.bollen.choices = [(b.key, b.label) for b in meeting.bollen]
    form.horizons.choices = [(h.key, h.label) for h in meeting.horizons]


class ChangeForm(FlaskForm):
    """Base: the hidden operation id."""

    op = HiddenField(default=new_op)


class ReportForm(ChangeForm):
    """The report's text (Markdown)."""

    text = TextAreaField(_l("Verslag"), validators=[Length(max=LIMITS["report"]), PlainText(multiline=True)])
    # a meeting held in rounds: the round whose report it is (1 or none: the table's own)
    # (checked as the protocol checks a report:set's round: a wrong one is refused with its reason)
    round = HiddenField()


class AttendanceForm(ChangeForm):
    """Who sat at the table."""

    participants = TextAreaField(
        _l("Deelnemers"),
        description=_l("Eén naam per regel, in de volgorde van de bijlage."),
        validators=[PlainText(multiline=True)],
    )
    leader = StringField(
        _l("Gespreksleider"), validators=[Optional(), Length(max=LIMITS["name"]), PlainText()]
    )
    rapporteur = StringField(
        _l("Verslaglegger"), validators=[Optional(), Length(max=LIMITS["name"]), PlainText()]
    )
    spokesperson = StringField(
        _l("Woordvoerder"), validators=[Optional(), Length(max=LIMITS["name"]), PlainText()]
    )


class EntryForm(ChangeForm):
    """One entry: its text, bollen and horizons (choices set from the meeting's template)."""

    text, bollen, horizons = entry_fields(StringField)

    def set_template(self, meeting) -> EntryForm:
        """Offer the meeting's bollen and horizons."""
        offer_template(self, meeting)
        return self


class EntryRowForm(Form):
    """One row of the entries table: an entry's text, bollen, horizons, hidden, delete."""

    id = HiddenField()
    text, bollen, horizons = entry_fields(TextAreaField, bol_required=False)
    hidden = BooleanField(_l("Verborgen"))
    delete = BooleanField(_l("Verwijderen"))
    free = False  # an entry of a round of free entries: no bol needed (EntriesForm.set_template)

    def validate(self, extra_validators=None) -> bool:
        """A row to delete needs nothing else; one of a round with bollen needs a bol."""
        if self.delete.data:
            return True
        valid = super().validate(extra_validators)
        if not self.bollen.data and not self.free:
            self.bollen.errors = [*self.bollen.errors, _l("Kies ten minste één bol.")]
            return False
        return valid


class EntriesForm(ChangeForm):
    """All entries of a table in one form, saved at once."""

    entries = FieldList(FormField(EntryRowForm))

    def set_template(self, meeting) -> EntriesForm:
        """Offer the meeting's bollen and horizons in every row; mark the entries of rounds of free
        entries, which have none."""
        free_rounds = {r.number for r in meeting.rounds if r.template == "none"}
        free = {e.id for t in meeting.tables for e in t.entries if e.round_number in free_rounds}
        for row in self.entries:
            offer_template(row.form, meeting)
            row.form.free = row.form.id.data in free
        return self


class ActionForm(ChangeForm):
    """A button that changes something (delete, restore, restore a version)."""
