""""Herhaaldelijk genoemd": topics that come up at several tables, or repeatedly at one.

Dutch-aware: words are reduced with the Snowball Dutch stemmer (so "woning" and
"woningen" count as one), stop words are dropped, and two-word terms such as
"brede welvaart" are found as well as single words. Each topic is shown in the
form people wrote most often.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import snowballstemmer
from stop_words import get_stop_words

# Words that are not stop words in the general list but carry no topic in a discussion.
EXTRA_STOP_WORDS = {
    "ook", "wel", "meer", "moet", "moeten", "worden", "wordt", "kunnen", "kan", "gaat", "gaan",
    "daarbij", "daarom", "echter", "zoals", "elkaar", "waar", "wat", "welke", "veel", "goed",
    "heel", "steeds", "vooral", "nog", "alleen", "tussen", "binnen", "andere", "anderen",
    "onze", "ons", "jullie", "hun", "we", "wij", "zij", "zijn", "haar", "hem", "daar", "hier",
    "nu", "dan", "toen", "zo", "er", "al", "dit", "dat", "deze", "die", "the", "and", "nr",
    "tafel", "tafels", "vraag", "vragen", "punt", "punten", "bijvoorbeeld", "bijv", "etc",
    "ser", "genoemd", "genoemde", "gaat", "manier", "belangrijk", "belangrijke", "eigen",
    "eerst", "eerste", "twee", "drie", "één", "een", "weer", "zelf", "geen", "niet",
    "mee", "via", "per", "aldus", "enkele", "sommige", "iets", "niets", "alle", "allen",
}
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
SENTENCE_BREAK_RE = re.compile(r"[.!?;:\n()\[\]\"“”]+")
MARKDOWN_RE = re.compile(r"[*_`#>]+|^\s*(?:[-+]|\d+[.)])\s+", re.MULTILINE)
MIN_LENGTH = 3


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The Dutch stop words plus words that carry no topic in a discussion."""
    return frozenset(get_stop_words("dutch")) | frozenset(EXTRA_STOP_WORDS)


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The Snowball Dutch stem of a lower-case word."""
    return _stemmer().stemWord(word)


@dataclass
class _Term:
    tables: Counter = field(default_factory=Counter)
    forms: Counter = field(default_factory=Counter)


def _phrases(text: str) -> list[list[str]]:
    """Runs of content words: a stop word or punctuation ends a run (bigrams never span them)."""
    runs: list[list[str]] = []
    for sentence in SENTENCE_BREAK_RE.split(MARKDOWN_RE.sub(" ", text)):
        run: list[str] = []
        for match in WORD_RE.finditer(sentence):
            word = match.group(0)
            lower = word.lower()
            if lower in stop_words() or len(lower) < MIN_LENGTH:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(word)
        if run:
            runs.append(run)
    return runs


def recurring_topics(
    texts_by_table: dict[int, list[str]], limit: int = 30
) -> dict[str, list[dict[str, Any]]]:
    """Topics at two or more tables (``across``) and repeated within one table (``within``).

    ``texts_by_table`` maps a table number to its texts (entries and report).
    Each topic: ``{"term", "tables": [numbers], "count"}`` (within: also ``"table"``).
    """
    terms: dict[tuple[str, ...], _Term] = defaultdict(_Term)
    for number, texts in texts_by_table.items():
        for text in texts:
            for run in _phrases(text):
                lowers = [w.lower() for w in run]
                stems = [stem(w) for w in lowers]
                for i, key in enumerate(stems):
                    term = terms[(key,)]
                    term.tables[number] += 1
                    term.forms[lowers[i]] += 1
                for i in range(len(stems) - 1):
                    term = terms[(stems[i], stems[i + 1])]
                    term.tables[number] += 1
                    term.forms[f"{lowers[i]} {lowers[i + 1]}"] += 1

    def shown(key: tuple[str, ...]) -> str:
        return terms[key].forms.most_common(1)[0][0]

    across_keys = [k for k, t in terms.items() if len(t.tables) >= 2]
    # a single word that only ever occurs inside one recurring two-word term adds nothing
    bigram_tables = {k: set(terms[k].tables) for k in across_keys if len(k) == 2}
    across = []
    for key in across_keys:
        term = terms[key]
        tables = set(term.tables)
        if len(key) == 1 and any(key[0] in bk and bt == tables for bk, bt in bigram_tables.items()):
            continue
        across.append(
            {"term": shown(key), "tables": sorted(tables), "count": sum(term.tables.values())}
        )
    across.sort(key=lambda t: (-len(t["tables"]), -len(t["term"].split()), -t["count"], t["term"]))

    within = []
    for key, term in terms.items():
        for number, count in term.tables.items():
            if count >= 2 and len(term.tables) == 1:
                within.append({"term": shown(key), "table": number, "tables": [number], "count": count})
    within.sort(key=lambda t: (-t["count"], -len(t["term"].split()), t["term"]))
    return {"across": across[:limit], "within": within[:limit]}


def meeting_topics(meeting, limit: int = 30) -> dict[str, Any]:
    """Recurring topics of a meeting from its visible entries and reports."""
    texts: dict[int, list[str]] = {}
    for table in meeting.tables:
        texts[table.number] = [e.text for e in table.live_entries if not e.hidden] + [table.report or ""]
    return {"topics": recurring_topics(texts, limit)}
