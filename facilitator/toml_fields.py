"""Reading fields of a parsed TOML document while collecting problems, one line each.

The generic half of the session-file validator: text, lists of names, template items and
keys, each checked against its limit; a problem names the field path and, where the
source is known, its line. ``sessionfile`` adds the sections of a session file on top.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from typing import Any

from flask_babel import gettext as _

from .meeting_data import TemplateItem
from .rules import LIMITS
from .toml_lines import TomlLines

KEY_RE = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{LIMITS['key'] - 1}}}$")

Raw = dict[str, Any]  # a TOML table as tomllib parsed it, not yet checked
Where = tuple[Any, ...]  # a field's path: ("tables", 1, "entries", 0, "bollen")


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """A problem stays one line: control characters from the file (a name with a newline) are escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def path_name(path: Where) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


class FieldReader:
    """Reads fields of a parsed document and collects a problem line for each that is wrong."""

    def __init__(self, locator: TomlLines | None):
        self.locator = locator
        self.problems: list[str] = []

    def problem(self, path: Where, message: str) -> None:
        where = path_name(path)
        line = self.locator.line(path) if self.locator else None
        if line:
            where += " " + _("(regel %(line)s)", line=line)
        self.problems.append(one_line(f"{where}: {message}"))

    def unknown(self, table: Raw, allowed: Collection[str], path: Where) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    path + (key,),
                    _(
                        "onbekend veld (tikfout?); toegestaan: %(allowed)s",
                        allowed=", ".join(sorted(allowed)),
                    ),
                )

    def text(self, table: Raw, key: str, path: Where, limit: int, required: bool = False) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(path + (key,), _("ontbreekt (verplicht)"))
            return ""
        if not isinstance(value, str):
            self.problem(
                path + (key,),
                _("moet tekst zijn (tussen aanhalingstekens), niet %(type)s", type=type_name(value)),
            )
            return ""
        value = value.strip() if limit <= LIMITS["meeting_text"] else value
        if required and not value:
            self.problem(path + (key,), _("mag niet leeg zijn"))
        if len(value) > limit:
            self.problem(
                path + (key,),
                _("is te lang: %(length)s tekens, hoogstens %(limit)s", length=len(value), limit=limit),
            )
            return value[:limit]
        if "\x00" in value:
            self.problem(path + (key,), _("bevat een NUL-teken"))
        return value

    def flag(self, raw: Raw, key: str, path: Where) -> bool:
        """An optional true/false (false when left out)."""
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(path + (key,), _("moet true of false zijn"))
            return False
        return value

    def string_list(self, table: Raw, key: str, path: Where, max_items: int, limit: int) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list):
            self.problem(
                path + (key,),
                _('moet een lijst zijn, zoals ["a", "b"], niet %(type)s', type=type_name(value)),
            )
            return []
        if len(value) > max_items:
            self.problem(
                path + (key,),
                _("heeft %(length)s items, hoogstens %(max_items)s", length=len(value), max_items=max_items),
            )
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.problem(
                    path + (key,),
                    _("item %(item)s moet tekst zijn, niet %(type)s", item=i + 1, type=type_name(item)),
                )
                continue
            item = item.strip()
            if not item:
                self.problem(path + (key,), _("item %(item)s is leeg", item=i + 1))
            elif len(item) > limit:
                self.problem(
                    path + (key,),
                    _(
                        "item %(item)s is te lang: %(length)s tekens, hoogstens %(limit)s",
                        item=i + 1,
                        length=len(item),
                        limit=limit,
                    ),
                )
            elif "\x00" in item:
                self.problem(path + (key,), _("item %(item)s bevat een NUL-teken", item=i + 1))
            else:
                out.append(item)
        return out

    def template_items(
        self, table: Raw, key: str, low: int, high: int, default: list[TemplateItem]
    ) -> list[TemplateItem]:
        path = ("template", key)
        if key not in table:
            return [dict(d) for d in default]
        value = table[key]
        if not isinstance(value, list):
            self.problem(path, _("moet een lijst zijn, niet %(type)s", type=type_name(value)))
            return [dict(d) for d in default]
        if not low <= len(value) <= high:
            self.problem(
                path,
                _(
                    "moet %(low)s tot %(high)s items hebben, heeft er %(length)s",
                    low=low,
                    high=high,
                    length=len(value),
                ),
            )
        out: list[TemplateItem] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(path, _('item %(item)s moet {key = "…", label = "…"} zijn', item=i + 1))
                continue
            self.unknown(item, {"key", "label"}, path)
            k = item.get("key")
            label = item.get("label")
            if not isinstance(k, str) or not KEY_RE.match(k):
                self.problem(
                    path,
                    _(
                        "item %(item)s: key %(key)s moet bestaan uit kleine letters, cijfers en "
                        "streepjes (hoogstens %(limit)s tekens)",
                        item=i + 1,
                        key=repr(k),
                        limit=LIMITS["key"],
                    ),
                )
                continue
            if k in seen:
                self.problem(path, _('key "%(k)s" komt twee keer voor', k=k))
                continue
            if not isinstance(label, str) or not label.strip():
                self.problem(path, _('item "%(k)s": label ontbreekt of is geen tekst', k=k))
                continue
            if len(label) > LIMITS["label"]:
                self.problem(
                    path,
                    _(
                        'item "%(k)s": label is te lang (hoogstens %(limit)s tekens)',
                        k=k,
                        limit=LIMITS["label"],
                    ),
                )
                continue
            if "\x00" in label:
                self.problem(path, _('item "%(k)s": label bevat een NUL-teken', k=k))
                continue
            seen.add(k)
            out.append({"key": k, "label": label.strip()})
        return out

    def keys(self, raw: Raw, key: str, path: Where, allowed: set[str], what: str) -> list[str]:
        """A list of template keys (bollen or horizons) that must all exist, each once."""
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            self.problem(
                path + (key,),
                _(
                    'moet een lijst van %(what)s-keys zijn, bijv. ["%(example)s"]',
                    what=what,
                    example=sorted(allowed)[0] if allowed else "x",
                ),
            )
            return []
        out: list[str] = []
        for k in value:
            if k not in allowed:
                self.problem(
                    path + (key,),
                    _(
                        '%(what)s "%(k)s" bestaat niet in de template; kies uit: %(allowed)s',
                        what=what,
                        k=k,
                        allowed=", ".join(sorted(allowed)),
                    ),
                )
            elif k in out:
                self.problem(path + (key,), _('%(what)s "%(k)s" staat twee keer in de lijst', what=what, k=k))
            else:
                out.append(k)
        return out


def type_name(value: Any) -> str:
    names = {
        str: _("tekst"),
        int: _("een getal"),
        float: _("een kommagetal"),
        bool: "true/false",
        list: _("een lijst"),
        dict: _("een tabel"),
        date: _("een datum"),
    }
    return names.get(type(value), type(value).__name__)
