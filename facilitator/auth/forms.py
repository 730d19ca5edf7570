"""The login form, and an administrator's account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms yet
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    """Secretariat login."""

    name = StringField(
        _l("Naam"),
        validators=[DataRequired(_l("Vul uw naam in.")), Length(max=80)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


ROLE_CHOICES = [
    SelectChoice("secretariat", _l("Secretariaat: vergaderingen")),
    SelectChoice("administrator", _l("Beheerder: ook accounts, huisstijl en logboek")),
]


class NewAccountForm(FlaskForm):
    """An administrator creates an account."""

    name = StringField(
        _l("Naam"),
        validators=[DataRequired(_l("Vul een naam in.")), Length(max=80, message=_l("Hoogstens 80 tekens."))],
        render_kw={"autocomplete": "off"},
    )
    password = PasswordField(
        _l("Wachtwoord (ten minste 10 tekens)"),
        validators=[
            DataRequired(_l("Vul een wachtwoord in.")),
            Length(min=10, max=200, message=_l("Het wachtwoord moet 10 tot 200 tekens hebben.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, default="secretariat")


class AccountChangeForm(FlaskForm):
    """One change to an account: its role, switched off or on, or a new password."""

    change = SelectField(choices=[SelectChoice(value) for value in ("role", "disable", "enable", "password")])
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, validate_choice=False)
    password = PasswordField(
        _l("Nieuw wachtwoord (ten minste 10 tekens)"),
        validators=[
            Optional(),
            Length(min=10, max=200, message=_l("Het wachtwoord moet 10 tot 200 tekens hebben.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SigninForm(FlaskForm):
    """How people may sign in: with a local name and password too, or only via the organisation."""

    local_login = BooleanField(_l("Inloggen met naam en wachtwoord toestaan"))
