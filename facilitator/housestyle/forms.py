"""The house style settings form: name, accent colour, cover page, logo."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import ValidationError

from .logo import MAX_LOGO_BYTES, LogoError, sanitise_logo
from .style import StyleData, accent_problem, name_problem


class HouseStyleForm(FlaskForm):
    """The organisation's house style for every annex and the chair's screen."""

    name = StringField(_l("Naam van de organisatie"), render_kw={"autocomplete": "organization"})
    accent = StringField(
        _l("Accentkleur"),
        render_kw={"placeholder": "#0B4F8A", "pattern": "#[0-9A-Fa-f]{6}", "autocomplete": "off"},
    )
    cover = BooleanField(_l("Voorblad met titel, datum, plaats, kenmerk en agendapunt"))
    logo = FileField(
        _l("Logo (PNG, JPEG of SVG, hoogstens 1 MB)"), render_kw={"accept": ".png,.jpg,.jpeg,.svg"}
    )
    remove_logo = BooleanField(_l("Huidig logo verwijderen"))

    # set by validate_logo: the cleaned logo (bytes, type, PNG rendition)
    cleaned_logo: tuple[bytes, str, bytes] | None = None

    def validate_name(self, field) -> None:
        """One Dutch sentence when the name cannot be used."""
        if message := name_problem((field.data or "").strip()):
            raise ValidationError(message[0].upper() + message[1:] + ".")

    def validate_accent(self, field) -> None:
        """Refuse a colour that is not #RRGGBB or has too little contrast with white."""
        value = (field.data or "").strip()
        if value and (message := accent_problem(value)):
            raise ValidationError(message[0].upper() + message[1:] + ".")

    def validate_logo(self, field) -> None:
        """Check and clean an uploaded logo (see housestyle.logo)."""
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        raw = upload.stream.read(MAX_LOGO_BYTES + 1)
        try:
            self.cleaned_logo = sanitise_logo(raw)
        except LogoError as exc:
            raise ValidationError(str(exc)) from exc

    def fill(self, style: StyleData) -> None:
        """Show the current style in the form (on GET)."""
        self.name.data = style.name
        self.accent.data = style.accent.upper()
        self.cover.data = style.cover

    def style(self, current: StyleData) -> StyleData:
        """The style as submitted (the logo kept unless replaced or removed)."""
        style = StyleData(
            name=(self.name.data or "").strip(),
            accent=(self.accent.data or "").strip().lower(),
            cover=bool(self.cover.data),
            logo=current.logo,
            logo_type=current.logo_type,
            logo_png=current.logo_png,
        )
        if self.remove_logo.data:
            style.logo, style.logo_type, style.logo_png = None, "", None
        if self.cleaned_logo is not None:
            style.logo, style.logo_type, style.logo_png = self.cleaned_logo
        return style
