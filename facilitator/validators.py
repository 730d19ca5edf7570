"""WTForms validators shared by the secretariat's and curation's forms."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from wtforms.validators import ValidationError

from .rules import text_problem


class PlainText:
    """Refuse the characters no document can hold (rules.text_problem), with a Dutch sentence."""

    field_flags: dict[str, Any] = {}

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str):
            problem = text_problem(field.data, self.multiline)
            if problem:
                raise ValidationError(_("Dit veld %(problem)s.", problem=problem))
