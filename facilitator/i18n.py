"""The interface's languages: which one a request gets, and the compiled catalogue.

Dutch is the default and the msgids are Dutch; English lives in
``facilitator/translations/en/LC_MESSAGES/messages.po`` (domain "messages": the interface;
the published documents are the domain "annex"). ``make messages`` extracts and updates the
catalogue; ``make install`` compiles it, and so does the app on start when the ``.mo`` is
missing or older than its ``.po`` (a clone started without make still speaks English).

Which language a request gets, first match wins:

1. ``?lang=nl|en`` (the switch; ``remember_choice`` keeps it in the cookie ``lang``);
2. ``flask.g.page_locale``, set by a page that has a language of its own (the meeting's
   screen) — call ``set_page_locale`` so nothing translated earlier keeps the old one;
3. the cookie ``lang``;
4. the browser's ``Accept-Language`` (best match of nl/en);
5. Dutch.

A live connection is one request environment for all its events: its language is resolved
once, on the first string it needs, and kept in the environment (``ENVIRON_KEY``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, has_request_context, request

log = logging.getLogger(__name__)

LOCALES = ("nl", "en")
DEFAULT = "nl"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
ENVIRON_KEY = "facilitator.locale"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is made without a request (said later, by its reader)."""
    return message


def say(msgid: str, params: dict[str, Any] | None = None) -> str:
    """A sentence kept as msgid + params (made without a request), in this request's language."""
    from flask_babel import format_decimal, gettext

    values = {k: format_decimal(v) if isinstance(v, int | float) else v for k, v in (params or {}).items()}
    return gettext(msgid, **values)


def _known(value: str | None) -> str | None:
    return value if value in LOCALES else None


def select_locale() -> str:
    """The language of the current request (see the module's docstring for the order)."""
    if not has_request_context():
        return DEFAULT
    asked = _known(request.args.get(COOKIE))
    page = _known(g.get("page_locale"))
    if page:
        return asked or page
    environ = request.environ
    cached = environ.get(ENVIRON_KEY)
    if cached:
        return cached
    chosen = asked or _known(request.cookies.get(COOKIE)) or _from_browser() or DEFAULT
    environ[ENVIRON_KEY] = chosen
    return chosen


def _from_browser() -> str | None:
    """The browser's most preferred language we have (nl-BE → nl, en-GB → en), by its q order."""
    for value, quality in request.accept_languages:  # werkzeug keeps them sorted by quality
        primary = value.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in LOCALES:
            return primary
    return None


def set_page_locale(locale: str | None) -> None:
    """A page's own language (the meeting's): wins over cookie and browser, not over ?lang."""
    from flask_babel import refresh

    if _known(locale) is None:
        return
    g.page_locale = locale
    refresh()


def remember_choice(response: Response) -> Response:
    """After a request with ?lang=nl|en: keep that choice in the cookie, so the next page has it."""
    wanted = _known(request.args.get(COOKIE))
    if wanted and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(COOKIE, wanted, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def switch_url(locale: str) -> str:
    """This page's address with ``lang=<locale>`` (the other query parameters kept)."""
    args = request.args.to_dict(flat=False)
    args[COOKIE] = [locale]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def compile_catalogues(directory: Path = TRANSLATIONS_DIR, force: bool = False) -> list[Path]:
    """Compile every ``.po`` of the interface whose ``.mo`` is missing or older; the ones written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
        tmp = mo.with_suffix(f".mo.{os.getpid()}.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        tmp.replace(mo)  # atomic: several processes may start at once
        written.append(mo)
    return written


def init_app(app: Flask) -> None:
    """Compile the catalogue if needed, keep ?lang in the cookie, give templates the switch."""
    try:
        compile_catalogues()
    except OSError:  # a read-only checkout: English stays as compiled (or Dutch)
        log.warning("could not compile the translations in %s", TRANSLATIONS_DIR, exc_info=True)
    app.after_request(remember_choice)

    @app.context_processor
    def locale_context() -> dict[str, object]:
        from flask_babel import get_locale

        current = str(get_locale() or DEFAULT)
        return {"current_locale": current, "switch_url": switch_url}


def untranslated(po: Path) -> list[str]:
    """The msgids of a catalogue that have no translation yet or are fuzzy (to translate)."""
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    return [
        str(message.id)
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]


if __name__ == "__main__":  # `make messages`: compile, and say what is left to translate
    compile_catalogues(force=True)
    for po in sorted(TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        todo = untranslated(po)
        print(f"{po}: {len(todo)} to translate")
        for msgid in todo:
            print(f"  {msgid!r}")
