"""Where a field is in TOML source: tomllib parses but does not say on which line."""

from __future__ import annotations

import re
from typing import Any


class TomlLines:
    """The lines of a TOML document's table headers and keys, to find a field by its path.

    A small scanner follows strings (also multi-line ones), comments and brackets, so
    that only real table headers and real ``key =`` lines count: a line of report
    text such as "[zie bijlage]" or "leader = …" inside a string is not mistaken for one.
    """

    _header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]\]?\s*(#.*)?$")
    _part = r"(?:[A-Za-z0-9_\-]+|\"[^\"\\]*\"|'[^']*')"
    _key = re.compile(rf"^\s*({_part}(?:\s*\.\s*{_part})*)\s*=")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.end = len(self.lines) + 1
        # (line number, dotted header name) of every [table] and [[array]] header
        self.sections: list[tuple[int, str]] = []
        # line number -> dotted key of every "key = value" line outside strings and arrays
        self.keys: dict[int, str] = {}
        state: str | None = None  # inside a multi-line string: its delimiter
        depth = 0  # open [ and { of a value spread over several lines
        for number, line in enumerate(self.lines, start=1):
            if state is None and depth == 0:
                header = self._header.match(line)
                if header:
                    self.sections.append((number, re.sub(r"\s", "", header.group(2))))
                    continue
                key = self._key.match(line)
                if key:
                    parts = re.findall(self._part, key.group(1))
                    self.keys[number] = ".".join(p.strip("\"'") for p in parts)
                    line = line[key.end() :]
            state, depth = self._scan(line, state, depth)

    @staticmethod
    def _scan(line: str, state: str | None, depth: int) -> tuple[str | None, int]:
        """The string and bracket state at the end of a line, given the state at its start."""
        i, n = 0, len(line)
        while i < n:
            if state is not None:
                if state == '"""' and line[i] == "\\":
                    i += 2
                    continue
                if line.startswith(state, i):
                    i += 3
                    while i < n and line[i] == state[0]:  # up to two quotes may end the content
                        i += 1
                    state = None
                    continue
                i += 1
                continue
            c = line[i]
            if c == "#":
                break
            if line.startswith('"""', i) or line.startswith("'''", i):
                state = line[i : i + 3]
                i += 3
            elif c == '"':
                i += 1
                while i < n and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
            elif c == "'":
                close = line.find("'", i + 1)
                i = n if close < 0 else close + 1
            else:
                if c in "[{":
                    depth += 1
                elif c in "]}":
                    depth = max(0, depth - 1)
                i += 1
        return state, depth

    def _key_line(self, block: tuple[int, int], key: str) -> int | None:
        return next((n for n in range(block[0], block[1]) if self.keys.get(n) == key), None)

    def _top(self) -> tuple[int, int]:
        return 1, (self.sections[0][0] if self.sections else self.end)

    def _section(self, name: str) -> tuple[int, int] | None:
        """Lines of the first ``[name]`` section (up to the next header)."""
        start = next((n for n, s in self.sections if s == name), None)
        if start is None:
            return None
        return start, min([n for n, _ in self.sections if n > start] + [self.end])

    def _array_item(
        self, name: str, index: int, within: tuple[int, int] | None = None
    ) -> tuple[int, int] | None:
        """Lines of the index-th ``[[name]]`` block inside ``within``, with its sub-tables."""
        lo, hi = within or (1, self.end)
        starts = [n for n, s in self.sections if s == name and lo <= n < hi]
        if index >= len(starts):
            return None
        start = starts[index]
        later = [n for n, s in self.sections if start < n < hi and not s.startswith(name + ".")]
        return start, min(later + [hi])

    def line(self, path: tuple[Any, ...]) -> int | None:
        """Best-effort line number for a field path like ("tables", 2, "leader")."""
        parts = list(path)
        if not parts:
            return None
        head = parts[0]
        block: tuple[int, int] | None = None
        rest: list[Any] = []
        if head in ("meeting", "template", "style") and len(parts) > 1:
            block, rest = self._section(head), parts[1:]
            if block is None:  # perhaps dotted keys at the top: meeting.title = …
                return self._key_line(self._top(), ".".join(str(p) for p in parts[:2]))
        elif head == "tables" and len(parts) > 1 and isinstance(parts[1], int):
            block, rest = self._array_item("tables", parts[1]), parts[2:]
            if block and len(rest) > 1 and rest[0] == "entries" and isinstance(rest[1], int):
                block, rest = self._array_item("tables.entries", rest[1], block) or block, rest[2:]
        if block is None:
            # a top-level key (format = …, tables = […]) or a whole section
            found = self._key_line(self._top(), str(head))
            if found is None:
                found = next((n for n, s in self.sections if s == head), None)
            return found
        key = next((p for p in rest if isinstance(p, str)), None)
        if key is None:
            return block[0]
        # the key's own line, or else the header of the block it is missing from
        return self._key_line(block, key) or block[0]
