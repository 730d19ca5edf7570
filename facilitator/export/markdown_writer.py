"""The annex as Markdown: an editable text version, with every user character escaped.

Reports are written back from their parsed form (richtext), so a Markdown viewer shows
what the PDF shows; the figure becomes a list of its entries grouped by bollen.
"""

from __future__ import annotations

import re

from .annex import Annex, AnnexTable, cleaned
from .figure import Figure
from .richtext import escape_markdown as escape_block
from .richtext import to_markdown as report_markdown

_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")


def escape_markdown(text: str) -> str:
    """A one-line text (a name, a title, an entry) escaped, its line breaks made spaces.

    In a heading, a list item or after a label, a line break would let the rest of the
    text start a block of its own (a heading, a fence, a list) outside its place.
    """
    return escape_block(_LINE_BREAK.sub(" ", text.strip()))


def to_markdown(annex: Annex) -> str:
    """The whole annex as one Markdown document."""
    annex = cleaned(annex)  # no character a viewer or a converter to DOCX cannot hold
    words = annex.words
    out = [f"# {escape_markdown(annex.title)}"]
    out.append(
        "\n".join(f"- **{escape_markdown(label)}:** {escape_markdown(value)}" for label, value in annex.meta)
    )
    if annex.questions:
        out.append(f"## {escape_markdown(words.questions)}")
        out.append("\n".join(f"{i}. {escape_markdown(q)}" for i, q in enumerate(annex.questions, 1)))
    for table in annex.tables:
        out.extend(_table(annex, table))
    if annex.groups:
        out.append(f"## {escape_markdown(words.groups)}")
        for group in annex.groups:
            out.append(f"### {escape_markdown(group.name)}")
            out.append(f"*{escape_markdown(group.tables)}*")
            out.append("\n".join(f"- {number}: {escape_markdown(text)}" for number, text in group.entries))
    if annex.priorities:
        out.append(f"## {escape_markdown(words.priorities)}")
    for vote in annex.priorities:
        out.append(f"### {escape_markdown(vote.title)}")
        out.append(escape_markdown(vote.summary))
        head = (words.rank, words.entry, words.table, words.dots)
        lines = ["| " + " | ".join(escape_markdown(h) for h in head) + " |", "| --- | --- | --- | ---: |"]
        for row in vote.rows:
            cells = (row.rank, row.text, str(row.table), str(row.count))
            lines.append("| " + " | ".join(escape_markdown(c) for c in cells) + " |")
        out.append("\n".join(lines))
    return "\n\n".join(part for part in out if part) + "\n"


def _groups(fig: Figure) -> str:
    """A figure as Markdown: its entries grouped by where they sit (bollen and overlaps)."""
    return "\n".join(
        f"- **{escape_markdown(group.where)}:** " + "; ".join(escape_markdown(e) for e in group.entries)
        for group in fig.groups
    )


def _table(annex: Annex, table: AnnexTable) -> list[str]:
    words = annex.words
    out = [f"## {escape_markdown(words.table)} {table.number}"]
    people = []
    if table.participants:
        names = ", ".join(
            f"{escape_markdown(p.name)} ({escape_markdown(words.leader)})"
            if p.leader
            else escape_markdown(p.name)
            for p in table.participants
        )
        people.append(f"**{escape_markdown(words.participants)}:** {names}")
    if table.rapporteur:
        people.append(f"**{escape_markdown(words.rapporteur)}:** {escape_markdown(table.rapporteur)}")
    out.append("  \n".join(people))
    report = report_markdown(table.report)
    if report:
        out.append(report)
    elif table.figure is None and not table.rounds:
        out.append(f"*{escape_markdown(words.no_report)}*")
    if table.figure:
        out.append(f"### {escape_markdown(table.figure.title)}")
        out.append(_groups(table.figure))
    for item in table.rounds:
        out.append(f"### {escape_markdown(item.title)}")
        out.append(f"*{escape_markdown(item.question)}*")
        if report := report_markdown(item.report):
            out.append(report)
        if item.figure:
            out.append(_groups(item.figure))
        elif item.entries:
            out.append("\n".join(f"- {escape_markdown(text)}" for text in item.entries))
        elif not report:
            out.append(escape_markdown(words.no_entries))
    if table.feedback.strip():
        out.append(f"### {escape_markdown(words.feedback)}")
        if table.spokesperson:
            out.append(f"**{escape_markdown(words.spokesperson)}:** {escape_markdown(table.spokesperson)}")
        out.append(report_markdown(table.feedback))
    return out
