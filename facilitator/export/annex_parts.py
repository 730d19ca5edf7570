"""The parts of the annex a meeting held in rounds, with groups and votes adds: per table a section
per round, the groups of entries across tables, the closed votes ranked. Built from the meeting's
plain data by ``annex.build_annex``; the printed shapes (AnnexRound, AnnexGroup, AnnexVote) are
in annex.py, where the writers read them."""

from __future__ import annotations

from ..meeting_data import EntryData, GroupData, MeetingData, TableData
from .annex import AnnexGroup, AnnexRound, AnnexVote, AnnexVoteRow, Words, clean, cleaned, vote_summary
from .figure import layout


def annex_groups(
    groups: list[GroupData], tables: list[TableData], words: Words, lang: str
) -> list[AnnexGroup]:
    """The meeting's groups as printed: hidden entries left out, a group left with none too."""
    by_table = {t.number: t.entries for t in tables}
    and_word = f" {words.and_word} "
    out = []
    for group in groups:
        entries = [
            (number, clean(by_table[number][n - 1].text))
            for number, n in group.entries
            if not by_table[number][n - 1].hidden and not by_table[number][n - 1].waiting
        ]
        if not entries:
            continue
        numbers = [str(n) for n in sorted({number for number, _ in entries})]
        listed = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + and_word + numbers[-1]
        label = words.group_table if len(numbers) == 1 else words.group_tables
        out.append(AnnexGroup(name=clean(group.name), tables=label % {"list": listed}, entries=entries))
    return out


def annex_votes(data: MeetingData, words: Words, lang: str) -> list[AnnexVote]:
    """The closed votes as printed: each entry ranked with its dots and table; a shared rank says so."""
    out = []
    for vote in data.votes:
        where = words.plenary if vote.scope == "plenary" else f"{words.table.lower()} {vote.table}"
        title = f"{words.vote_title % {'number': vote.number}} ({where})"
        if vote.title:
            title = f"{title}: {vote.title}"
        ranks = [r.rank for r in vote.results]
        rows = [
            AnnexVoteRow(
                f"{r.rank} ({words.tie})" if ranks.count(r.rank) > 1 else str(r.rank),
                r.text,
                r.table,
                r.count,
            )
            for r in vote.results
        ]
        summary = vote_summary(vote.ballots, vote.dots, lang)
        out.append(AnnexVote(title=clean(title), summary=summary, rows=cleaned(rows)))
    return out


def table_rounds(
    data: MeetingData, table: TableData, visible: list[EntryData], words: Words, lang: str
) -> list[AnnexRound]:
    """A table's rounds as printed (none without [[rounds]]): each round's report, and the figure
    of its entries or the list of a round of free entries; a round the table put nothing in keeps
    its question."""
    number, reports = table.number, {1: table.report, **table.reports}
    out = []
    for n, spec in enumerate(data.rounds, start=1):
        mine = [e for e in visible if e.round == n]
        title = words.round_title % {"number": n}
        fig = None
        if mine and spec.template != "none":
            caption = f"{words.figure} {number}, {title[:1].lower()}{title[1:]}"
            fig = layout(
                caption, data.bollen, data.horizons, [(e.text, e.bollen, e.horizons) for e in mine], lang=lang
            )
        entries = [e.text for e in mine] if spec.template == "none" else []
        report = clean(reports.get(n) or "")
        out.append(AnnexRound(n, title, spec.question, fig, entries, report=report))
    return out
