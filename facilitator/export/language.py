"""The published documents' language: the "annex" gettext domain, chosen per document.

The interface follows the person (Flask-Babel's "messages" domain, per request); the annex,
the minutes' section, the table cards and the figure follow the meeting
(``Meeting.language``), whoever asks and wherever: in a request, on the command line, in
the render child. So this module needs no app and no request: ``translator(lang)`` returns
the gettext of that language, read from facilitator/translations/<lang>/LC_MESSAGES/annex.mo
(compiled by ``make messages`` and ``make install``), or compiled in memory from annex.po
when the .mo is missing or older. Dutch is the source language: its text is the msgid.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from ..limits import LANGUAGES  # not rules: the render child imports no Flask

DOMAIN = "annex"
DEFAULT = LANGUAGES[0]
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
# the language tag a document carries (PDF /Lang and dc:language, DOCX, ODT, <html lang>)
TAGS = {"nl": "nl-NL", "en": "en-GB"}


def supported(lang: str | None) -> str:
    """``lang`` when the annex can be written in it, else the default (Dutch)."""
    return lang if lang in LANGUAGES else DEFAULT


def tag(lang: str) -> str:
    """The document language tag: "nl" → "nl-NL", "en" → "en-GB"."""
    return TAGS.get(lang, lang)


@functools.lru_cache(maxsize=8)
def translations(lang: str) -> gettext_module.NullTranslations:
    """The catalogue of ``lang`` (Dutch, the source language, needs none)."""
    lang = supported(lang)
    if lang == DEFAULT:
        return gettext_module.NullTranslations()
    folder = TRANSLATIONS_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext_module.GNUTranslations(handle)
    if not po.is_file():
        raise FileNotFoundError(f"de vertaling {po} ontbreekt")
    return gettext_module.GNUTranslations(BytesIO(_compile(po)))


def _compile(po: Path) -> bytes:
    """annex.po as .mo bytes (fuzzy entries left out, as pybabel compile does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def translator(lang: str) -> Callable[[str], str]:
    """The gettext of ``lang``: ``_ = translator(lang); _("Tafel")``."""
    return translations(supported(lang)).gettext


def template_gettext(lang: str) -> Callable[..., str]:
    """A Jinja "newstyle" gettext in ``lang``, to pass to a render as ``gettext``.

    Jinja's ``_()`` looks ``gettext`` up in the render's context, so a template rendered
    with this one speaks the meeting's language whatever the request's is. Like Jinja's
    own: the translation is marked safe and the variables are escaped into it.
    """
    from jinja2 import pass_context
    from markupsafe import Markup

    translate = translator(lang)

    @pass_context
    def gettext(context, message: str, **variables) -> str:
        text = translate(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue; the variables are escaped by %
        return text % variables

    return gettext
