""" "Herhaaldelijk genoemd": topics that come up at several tables, or repeatedly at one.

Language-aware (the meeting's language, Dutch by default): words are reduced with the
Snowball stemmer of that language (so "woning" and "woningen", "home" and "homes" count as
one), stop words are dropped, and two-word terms such as "brede welvaart" are found as well
as single words. Each topic is shown in the form people wrote most often.
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
    "ook",
    "wel",
    "meer",
    "moet",
    "moeten",
    "worden",
    "wordt",
    "kunnen",
    "kan",
    "gaat",
    "gaan",
    "daarbij",
    "daarom",
    "echter",
    "zoals",
    "elkaar",
    "waar",
    "wat",
    "welke",
    "veel",
    "goed",
    "heel",
    "steeds",
    "vooral",
    "nog",
    "alleen",
    "tussen",
    "binnen",
    "andere",
    "anderen",
    "onze",
    "ons",
    "jullie",
    "hun",
    "we",
    "wij",
    "zij",
    "zijn",
    "haar",
    "hem",
    "daar",
    "hier",
    "nu",
    "dan",
    "toen",
    "zo",
    "er",
    "al",
    "dit",
    "dat",
    "deze",
    "die",
    "the",
    "and",
    "nr",
    "tafel",
    "tafels",
    "vraag",
    "vragen",
    "punt",
    "punten",
    "bijvoorbeeld",
    "bijv",
    "etc",
    "ser",
    "genoemd",
    "genoemde",
    "manier",
    "belangrijk",
    "belangrijke",
    "eigen",
    "eerst",
    "eerste",
    "twee",
    "drie",
    "één",
    "een",
    "weer",
    "zelf",
    "geen",
    "niet",
    "mee",
    "via",
    "per",
    "aldus",
    "enkele",
    "sommige",
    "iets",
    "niets",
    "alle",
    "allen",
    "helpt",
    "helpen",
    "langs",
    "elk",
    "elke",
    "kanten",
    "kant",
    "volgen",
    "volgt",
    "werk",
    "onderwerp",
    "onderwerpen",
    "bol",
    "bollen",
    "koste",
    "maakt",
    "maken",
    "doet",
    "doen",
    "blijft",
    "blijven",
    "komt",
    "komen",
    "staat",
    "staan",
    "laten",
    "zien",
    "ziet",
    "vindt",
    "vinden",
    "zegt",
    "zeggen",
    "geeft",
    "geven",
    "krijgt",
    "krijgen",
    "moeilijk",
    "groot",
    "grote",
    "klein",
    "kleine",
    "nieuw",
    "nieuwe",
    "soms",
    "vaak",
    "zeker",
    "juist",
    "gewoon",
    "echt",
    "erg",
    "wellicht",
    "mogelijk",
    "namelijk",
    "verder",
    "graag",
    "vanuit",
    "waarbij",
    "waarin",
    "waardoor",
    "daarvan",
    "daarin",
    "hierbij",
}
# Prepositions, conjunctions and adverbs that the general list lacks ("sinds", "tijdens" …):
# function words, never a topic.
FUNCTION_WORDS = {
    "sinds", "tijdens", "zonder", "vanaf", "volgens", "namens", "vanwege", "middels", "omtrent",
    "rondom", "rond", "langer", "achter", "buiten", "beneden", "boven", "onder", "binnenkort",
    "omdat", "hoewel", "zodat", "terwijl", "totdat", "zodra", "indien", "mits", "tenzij",
    "bovendien", "daarnaast", "verder", "vervolgens", "tevens", "eveneens", "ofwel", "alsook",
    "zowel", "noch", "want", "dus", "toch", "maar", "eens", "even", "ooit", "nooit", "altijd",
    "inmiddels", "intussen", "nadat", "voordat", "alvorens", "betreft", "aangaande", "jegens",
    "ieder", "iedere", "iemand", "niemand", "iedereen", "alles", "beide", "beiden", "hele",
    "gehele", "ander", "weinig", "minder", "meest", "meeste", "beter", "best", "beste", "zeer",
    "vorige", "volgende", "laatste", "keer", "keren", "daarna", "daarvoor", "daardoor",
    "daarmee", "hiervan", "hierin", "hiermee", "waarvan", "waarmee", "waarop", "erop", "ervan",
    "erin", "ermee", "erbij", "ertoe", "eraan", "daaraan", "daarop", "hierop", "hiervoor",
    "waarvoor", "welk", "wiens", "zulke", "zulk", "dergelijke", "diverse", "verschillende",
    "overige", "bepaalde", "zogenaamde", "misschien", "wellicht", "ongeveer", "circa", "bijna",
    "nogal", "vrij", "tamelijk", "helemaal", "volledig", "waarschijnlijk", "uiteraard",
}  # fmt: skip

_UNITS = ["een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"]
_TEENS = ["tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien",
          "achttien", "negentien"]  # fmt: skip
_TENS = ["twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig", "negentig"]
_BIG = ["honderd", "duizend", "miljoen", "miljard"]


def _number_words() -> set[str]:
    """Dutch numbers and ordinals ("vier", "vierde", "twintigste", "eenentwintig" …)."""
    cardinals = set(_UNITS) | set(_TEENS) | set(_TENS) | set(_BIG) | {"één", "nul"}
    for ten in _TENS:
        for unit in _UNITS:
            cardinals.add(f"{unit}{'ën' if unit.endswith('e') else 'en'}{ten}")
    ordinals = {"eerste", "tweede", "derde", "achtste", "nulde"}
    for word in cardinals:
        if word in ("een", "één", "twee", "drie", "acht", "nul"):
            continue
        # from twenty on (and hundred, thousand …) the ordinal ends in -ste, below it in -de
        big = word.endswith(("tig", "honderd", "duizend", "miljoen", "miljard"))
        ordinals.add(word + ("ste" if big else "de"))
    return cardinals | ordinals


NUMBER_WORDS = _number_words()

# An English meeting's filler and numbers, on top of the general English list.
ENGLISH_STOP_WORDS = {
    "also", "more", "most", "must", "should", "can", "could", "would", "will", "may", "might",
    "need", "needs", "make", "makes", "made", "get", "gets", "way", "ways", "much", "many",
    "well", "just", "still", "even", "really", "very", "lot", "lots", "thing", "things", "use",
    "used", "via", "per", "etc", "new", "good", "important", "example", "table",
    "tables", "question", "questions", "point", "points", "topic", "topics", "circle", "circles",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "first",
    "second", "third", "fourth", "fifth", "since", "during", "without", "within", "between",
    "across", "towards", "upon", "whether", "however", "therefore", "perhaps", "always", "never",
    "often", "sometimes", "already", "yet", "every", "each", "both", "either", "neither",
}  # fmt: skip
STEMMERS = {"nl": "dutch", "en": "english"}
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
SENTENCE_BREAK_RE = re.compile(r"[.!?;:\n()\[\]\"“”]+")
MARKDOWN_RE = re.compile(r"[*_`#>]+|^\s*(?:[-+]|\d+[.)])\s+", re.MULTILINE)
MIN_LENGTH = 3


@lru_cache(maxsize=2)
def _stemmer(lang: str = "nl") -> Any:
    return snowballstemmer.stemmer(STEMMERS.get(lang, "dutch"))


@lru_cache(maxsize=2)
def stop_words(lang: str = "nl") -> frozenset[str]:
    """The stop words of ``lang``: for Dutch with function words, numbers, ordinals and
    discussion filler; for English the general list and its filler."""
    if lang == "en":
        return frozenset(get_stop_words("english")) | frozenset(ENGLISH_STOP_WORDS)
    return (
        frozenset(get_stop_words("dutch"))
        | frozenset(EXTRA_STOP_WORDS)
        | frozenset(FUNCTION_WORDS)
        | frozenset(NUMBER_WORDS)
    )


@lru_cache(maxsize=20_000)
def stem(word: str, lang: str = "nl") -> str:
    """The Snowball stem of a lower-case word (Dutch, or English for "en")."""
    return str(_stemmer(lang).stemWord(word))


@dataclass
class _Term:
    tables: Counter[int] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)


def _phrases(text: str, lang: str = "nl") -> list[list[str]]:
    """Runs of content words: a stop word or punctuation ends a run (bigrams never span them)."""
    stops = stop_words(lang)
    runs: list[list[str]] = []
    for sentence in SENTENCE_BREAK_RE.split(MARKDOWN_RE.sub(" ", text)):
        run: list[str] = []
        for match in WORD_RE.finditer(sentence):
            word = match.group(0)
            lower = word.lower()
            if lower in stops or len(lower) < MIN_LENGTH:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(word)
        if run:
            runs.append(run)
    return runs


def recurring_topics(
    texts_by_table: dict[int, list[str]],
    limit: int = 30,
    ignore: set[str] | None = None,
    lang: str = "nl",
) -> dict[str, list[dict[str, Any]]]:
    """Topics at two or more tables (``across``) and repeated within one table (``within``).

    ``texts_by_table`` maps a table number to its texts (entries and report).
    ``ignore``: words that are no topic here (the meeting's own bol and horizon labels).
    ``lang``: the texts' language (the meeting's), for stop words and stems.
    Each topic: ``{"term", "tables": [numbers], "count"}`` (within: also ``"table"``).
    """
    ignored = {stem(w.lower(), lang) for w in (ignore or set())}
    terms: dict[tuple[str, ...], _Term] = defaultdict(_Term)
    for number, texts in texts_by_table.items():
        for text in texts:
            for run in _phrases(text, lang):
                lowers = [w.lower() for w in run]
                stems = [stem(w, lang) for w in lowers]
                for i, word in enumerate(stems):
                    if word in ignored:
                        continue
                    term = terms[(word,)]
                    term.tables[number] += 1
                    term.forms[lowers[i]] += 1
                for i in range(len(stems) - 1):
                    if stems[i] in ignored and stems[i + 1] in ignored:
                        continue
                    term = terms[(stems[i], stems[i + 1])]
                    term.tables[number] += 1
                    term.forms[f"{lowers[i]} {lowers[i + 1]}"] += 1

    def shown(key: tuple[str, ...]) -> str:
        return str(terms[key].forms.most_common(1)[0][0])

    across_keys = [k for k, t in terms.items() if len(t.tables) >= 2]
    # a single word that only ever occurs inside one recurring two-word term adds nothing
    bigram_tables = {k: set(terms[k].tables) for k in across_keys if len(k) == 2}
    across: list[dict[str, Any]] = []
    for key in across_keys:
        term = terms[key]
        tables = set(term.tables)
        if len(key) == 1 and any(key[0] in bk and bt == tables for bk, bt in bigram_tables.items()):
            continue
        across.append({"term": shown(key), "tables": sorted(tables), "count": sum(term.tables.values())})
    across.sort(key=lambda t: (-len(t["tables"]), -len(t["term"].split()), -t["count"], t["term"]))

    within: list[dict[str, Any]] = []
    within_bigrams = {k: set(terms[k].tables) for k, t in terms.items() if len(k) == 2}
    for key, term in terms.items():
        for number, count in term.tables.items():
            if count < 2 or len(term.tables) != 1:
                continue
            # a single word seen only inside one repeated two-word term is that term
            if len(key) == 1 and any(
                key[0] in bk and terms[bk].tables[number] == count for bk in within_bigrams
            ):
                continue
            within.append({"term": shown(key), "table": number, "tables": [number], "count": count})
    return {"across": across[:limit], "within": within[:limit]}


def meeting_topics(meeting: Any, limit: int = 30, round_number: int | None = None) -> dict[str, Any]:
    """Recurring topics of a meeting from its visible entries and reports; of one round: from
    that round's entries and report (round 1's being the table's own)."""
    from ..round_reports import tables_round_reports

    rounds = len(getattr(meeting, "rounds", None) or [])
    later = tables_round_reports([t.id for t in meeting.tables]) if rounds > 1 else {}
    texts: dict[int, list[str]] = {}
    for table in meeting.tables:
        entries = [e for e in table.live_entries if not e.hidden and not e.waiting]
        reports = {1: table.report or ""} | {r.round_number: r.report for r in later.get(table.id, [])}
        if round_number is not None:
            texts[table.number] = [e.text for e in entries if e.round_number == round_number]
            texts[table.number] += [reports[round_number]] if round_number in reports else []
        else:
            texts[table.number] = [e.text for e in entries] + list(reports.values())
    labels = {word for item in (*meeting.bollen, *meeting.horizons) for word in WORD_RE.findall(item.label)}
    language = getattr(meeting, "language", None) or "nl"
    return {"topics": recurring_topics(texts, limit, ignore=labels, lang=language)}
