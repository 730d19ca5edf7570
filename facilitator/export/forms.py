"""The export form: format, what to include, table order."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms yet

from .annex import AnnexOptions


class AnnexForm(FlaskForm):
    """Choose how to export a meeting's annex."""

    format = RadioField(
        _l("Formaat"),
        choices=[
            SelectChoice("pdf", _l("PDF, om te publiceren en te archiveren (PDF/A-2a en PDF/UA)")),
            SelectChoice("odt", _l("OpenDocument (ODT), de open standaard, om verder te bewerken")),
            SelectChoice("docx", _l("Word (DOCX), om verder te bewerken")),
            SelectChoice("md", _l("Markdown, platte tekst")),
            SelectChoice(
                "zip",
                _l(
                    "Archiefpakket (ZIP): de bijlage als PDF/A en ODT, het sessiebestand, de terugkoppeling "
                    "voor de notulen en een manifest met SHA-256-controlegetallen"
                ),
            ),
        ],
        default="pdf",
    )
    include_feedback = BooleanField(_l("Samenvattingen van de plenaire terugkoppeling opnemen"))
    skip_empty = BooleanField(_l("Tafels zonder verslag of inbreng weglaten"))
    order = RadioField(
        _l("Volgorde van de tafels"),
        choices=[
            SelectChoice("number", _l("Op tafelnummer")),
            SelectChoice("feedback", _l("In de volgorde van de terugkoppeling")),
        ],
        default="number",
    )

    def options(self) -> AnnexOptions:
        """The chosen options as plain data."""
        return AnnexOptions(
            include_feedback=bool(self.include_feedback.data),
            skip_empty=bool(self.skip_empty.data),
            order=self.order.data,
        )
