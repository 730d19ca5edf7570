"""`make bench-grouping`: time and memory of the suggested groups (issue 18 part 3) at 100 tables.

`python -m benchmarks.grouping` generates a meeting's entries — 100 tables × 10 entries of
varied Dutch by default (``generated_entries``: 30 themes, each in several wordings and word
forms, among one-off entries; Markdown, numbers and an emoji here and there) — and times
``facilitator.live.grouping.suggest_groups`` over them: the median and max of several runs
(wall and CPU time; the first run with the stemmer's cache emptied), then the memory
allocated at the peak of one more run (tracemalloc, which slows it, so not timed) and the
process's peak size; then all of it again with two of benchmarks.meetings' sentences added
to every entry (longer entries, and more words shared between them). It prints how well the
groups match the themes the entries were generated from, as a sanity check of their quality.
Exits non-zero when any run takes longer than --limit (2 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import datetime

from facilitator.live.grouping import SuggestedGroup, suggest_groups
from facilitator.live.topics import stem

from .meetings import SENTENCES, TOPICS

# (theme, its wordings): what different tables write when they mean the same thing
THEMES: list[tuple[str, list[str]]] = [
    (
        "communicatie",
        ["communicatie met burgers", "communiceren in begrijpelijke taal", "heldere communicatie"],
    ),
    (
        "mantelzorg",
        ["mantelzorgers ontlasten", "waardering voor mantelzorg", "respijtzorg voor mantelzorgers"],
    ),
    ("wonen", ["betaalbare woningen", "woningtekort voor starters", "sneller woningen bouwen"]),
    ("jongeren", ["jongeren betrekken", "de stem van jongeren", "jongerenparticipatie"]),
    ("energiearmoede", ["energiearmoede bestrijden", "huurders met hoge energierekening", "energiearmoede"]),
    ("digitalisering", ["digitalisering in de zorg", "kansen van digitalisering", "digitaliseringsbeleid"]),
    ("brede welvaart", ["brede welvaart meten", "checklist brede welvaart", "brede welvaart concretiseren"]),
    (
        "biodiversiteit",
        ["biodiversiteit herstellen", "verlies van biodiversiteit", "natuur en biodiversiteit"],
    ),
    (
        "onderwijs",
        ["techniekonderwijs versterken", "lerarentekort in het onderwijs", "kwaliteit van onderwijs"],
    ),
    ("arbeidsmarkt", ["krapte op de arbeidsmarkt", "arbeidsmarktkrapte", "personeelstekort"]),
    ("ontwikkelen", ["leven lang ontwikkelen", "scholing van werkenden", "omscholing naar techniek"]),
    ("bestaanszekerheid", ["bestaanszekerheid", "armoede onder werkenden", "schulden en bestaanszekerheid"]),
    ("polarisatie", ["polarisatie verminderen", "vertrouwen in de overheid", "gepolariseerd debat"]),
    ("regio", ["kloof tussen stad en platteland", "regionale verschillen", "krimpregio's"]),
    ("klimaat", ["klimaatadaptatie", "klimaatdoelen halen", "CO2-uitstoot verminderen"]),
    ("water", ["waterkwaliteit", "droogte en watertekort", "water als ordenend principe"]),
    ("zorg", ["toegankelijkheid van de zorg", "zorgkosten beheersen", "personeel in de zorg"]),
    ("gezondheid", ["gezondheidsverschillen", "preventie en gezondheid", "gezonde leefstijl"]),
    ("mkb", ["innovatie in het mkb", "regeldruk voor het mkb", "mkb-bedrijven ondersteunen"]),
    ("europa", ["Europese interne markt", "Europese samenwerking", "strategische autonomie van Europa"]),
    ("grondstoffen", ["circulaire economie", "schaarse grondstoffen", "kritieke grondstoffen"]),
    (
        "publieke sector",
        ["kwaliteit publieke sector", "uitvoeringsorganisaties versterken", "publieke dienstverlening"],
    ),
    ("migratie", ["arbeidsmigratie", "integratie van nieuwkomers", "huisvesting van arbeidsmigranten"]),
    ("vrijwilligers", ["vrijwilligerswerk", "waarde van vrijwilligerswerk", "vrijwilligers vasthouden"]),
    ("maatstaven", ["andere maatstaven dan bbp", "indicatoren naast het bbp", "monitor brede welvaart"]),
    ("verdeling", ["eerlijke verdeling", "verdeling van lasten", "verdelingseffecten in beeld"]),
    ("landbouw", ["toekomst van de landbouw", "stikstof en landbouw", "boeren perspectief bieden"]),
    ("mobiliteit", ["bereikbaarheid van dorpen", "openbaar vervoer", "mobiliteitsarmoede"]),
    ("cultuur", ["cultuur en creatieve sector", "kunst en cultuur", "culturele voorzieningen"]),
    ("veiligheid", ["sociale veiligheid", "ondermijning tegengaan", "veiligheid in de wijk"]),
]
# words of one-off entries: each such entry is a few of them, unlike any other entry
ONE_OFF_WORDS = [
    "rechtsstaat", "toezicht", "platformen", "algoritmen", "privacy", "cyberveiligheid",
    "datadeling", "standaarden", "pensioenen", "sparen", "belastingen", "toeslagen", "kinderopvang",
    "ouderschapsverlof", "flexwerk", "zzp", "cao-afspraken", "overleg", "medezeggenschap",
    "ondernemingsraad", "loonkloof", "gelijke", "beloning", "havens", "logistiek", "luchtvaart",
    "scheepvaart", "chipsector", "halfgeleiders", "octrooien", "startups", "kapitaalmarkt",
    "banken", "verzekeraars", "fondsen", "rente", "inflatie", "koopkracht", "prijzen",
    "bibliotheken", "sportverenigingen", "buurthuizen", "wijkteams", "huisartsen", "apotheken",
    "ggz-wachtlijsten", "ouderen", "eenzaamheid", "dementie", "hospice", "levenseinde", "rouw",
    "taalachterstand", "laaggeletterdheid", "stageplaatsen", "mbo-studenten", "hbo",
    "universiteiten", "onderzoekers", "promovendi", "wetenschap",
]  # fmt: skip
THEME_NAMES = {name for name, _ in THEMES}
OPENERS = ["", "", "Meer aandacht voor", "Zorg voor", "Belang van", "Investeren in", "Werk aan", "Let op"]
CLOSERS = [
    "",
    "",
    "",
    "in alle regio's",
    "voor de komende 10 jaar",
    "met oog voor de menselijke maat",
    "samen met sociale partners",
    "als voorwaarde voor brede welvaart",
    "— dat vraagt om keuzes",
]


def generated_entries(
    tables: int = 100, per_table: int = 10, seed: int = 18
) -> list[tuple[int, int, str, str]]:
    """(entry id, table, text, theme) of a meeting: 80 % in one of THEMES' wordings, with an
    opener or a tail; 10 % one of benchmarks.meetings' topics or sentences (theme "=" and the
    text); 10 % one-off (theme "#" and the id). Markdown, numbers and emoji here and there."""
    rng = random.Random(seed)
    entries: list[tuple[int, int, str, str]] = []
    for table in range(1, tables + 1):
        for _ in range(per_table):
            roll = rng.random()
            if roll < 0.1:
                text = rng.choice(TOPICS + SENTENCES)
                theme = f"={text}"  # the same words at other tables: a group of its own
            elif roll < 0.2:
                words = " en ".join(rng.sample(ONE_OFF_WORDS, rng.choice([1, 2, 3])))
                text, theme = words[:1].upper() + words[1:], f"#{len(entries) + 1}"
            else:
                theme, wordings = rng.choice(THEMES)
                words = rng.choice(wordings)
                opener = rng.choice(OPENERS)
                text = f"{opener} {words}".strip() if opener else words[:1].upper() + words[1:]
                closer = rng.choice(CLOSERS)
                text = f"{text} {closer}".strip()
            roll = rng.random()
            if roll < 0.1:
                text = f"**{text}**"
            elif roll < 0.15:
                text = f"- {text}\n- {rng.choice(TOPICS).lower()}"
            elif roll < 0.18:
                text += " 👍"
            entries.append((len(entries) + 1, table, text, theme))
    return entries


def quality(groups: list[SuggestedGroup], themes: dict[int, str]) -> tuple[float, int, int]:
    """(share of the grouped entries of THEMES that are in their group's main theme, themes that
    are a group's main theme, entries grouped). The other entries (a meetings.py topic may be a
    theme's words too, a one-off may share a word) count for neither."""
    agreeing = counted = grouped = 0
    found = set()
    for group in groups:
        grouped += len(group.entry_ids)
        counts = Counter(t for i in group.entry_ids if (t := themes[int(i)]) in THEME_NAMES)
        if counts:
            theme, count = counts.most_common(1)[0]
            agreeing += count
            counted += counts.total()
            found.add(theme)
    return (agreeing / counted if counted else 0.0), len(found), grouped


def measure(name: str, entries: list[tuple[int, int, str]], runs: int) -> tuple[float, list[SuggestedGroup]]:
    """Times ``runs`` runs (the first with the stemmer's cache emptied) and the memory of one
    more; prints a line each; returns the slowest run and the groups."""
    stem.cache_clear()
    walls, cpus = [], []
    groups: list[SuggestedGroup] = []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        groups = suggest_groups(entries, "nl", max_groups=len(entries))
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - began_cpu)
    tracemalloc.start()
    suggest_groups(entries, "nl", max_groups=len(entries))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{name:<26}{statistics.median(walls):.3f} s median (min {min(walls):.3f}, max {max(walls):.3f}; "
        f"first, cold stems {walls[0]:.3f}), cpu {statistics.median(cpus):.3f} s; median of {runs}; "
        f"{peak / 2**20:.1f} MB allocated at the peak"
    )
    return max(walls), groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--per-table", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--limit", type=float, default=2.0, help="seconds a run may take (default 2)")
    args = parser.parse_args(argv)

    generated = generated_entries(args.tables, args.per_table)
    entries = [(i, table, text) for i, table, text, _ in generated]
    themes = {i: theme for i, _, _, theme in generated}
    rng = random.Random(7)
    longer = [(i, table, f"{text} {' '.join(rng.sample(SENTENCES, 2))}") for i, table, text in entries]
    one, five, _ = os.getloadavg()
    stamp = f"{datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}"
    print(f"Facilitator suggested-groups benchmark ({stamp})")
    print(f"{args.tables} tables × {args.per_table} entries = {len(entries)} entries")
    print(f"before: load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores\n")

    worst, groups = measure("entries", entries, args.runs)
    worst_longer, _ = measure("entries + two sentences", longer, args.runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak size {rss:.0f} MB")
    share, found, grouped = quality(groups, themes)
    print(
        f"\ngroups: {len(groups)} suggested (all kept), {grouped} entries in them; {share:.0%} of the "
        f"themes' entries in their group's main theme; {found} of {len(THEMES)} themes a group's main theme"
    )
    for group in groups[:5]:
        print(f"  {group.label!r}: {len(group.entry_ids)} entries at {len(group.tables)} tables")
    one, five, _ = os.getloadavg()
    print(f"\nafter: load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores")
    if max(worst, worst_longer) > args.limit:
        print(f"\ntarget missed: a run took {max(worst, worst_longer):.2f} s > {args.limit:.1f} s")
        return 1
    print(f"\ntarget met: every run ≤ {args.limit:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
