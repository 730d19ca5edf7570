"""Suggested groups: entries from any tables that say the same thing (issue 18, part 3).

Offline and deterministic, from the entries' words alone (no network, no model): each entry
becomes a TF-IDF vector over the Snowball stems of its content words and of its two-word terms,
with the meeting's language's stop words left out, exactly as "herhaaldelijk genoemd" reads
them (``topics.py``). Stems that are variants of one word the stemmer leaves apart
("communicatie" / "communiceren", "mantelzorg" / "mantelzorgers") count as one. Entries are
then joined, the most alike first, while two groups' centroids are at least ``threshold`` alike
(cosine; centroid rather than average linkage, so that two pairs about one subject in other
words — "heldere communicatie", "communiceren met de burger" — still meet) and their entries
on average at least AVERAGE_FLOOR (so that a few entries on two subjects do not join them); a
group of one is no suggestion.

Each group is named by its one to three most characteristic words (common in the group, rare
in the meeting) in the form people wrote most often, and lists its entries and their tables.
Groups that span the most tables come first: the same idea raised at different tables is
what the chair looks for.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .topics import MARKDOWN_RE, MIN_LENGTH, SENTENCE_BREAK_RE, WORD_RE, stem, stop_words

EntryId = int | str

# Two groups are joined while their centroids are at least this alike (cosine) …
THRESHOLD = 0.2
# … and their entries on average at least this: a few entries that span two subjects ("digitalisering
# in de zorg") do not make the two one group.
AVERAGE_FLOOR = 0.15
# Pairs less alike than this are taken as not alike at all (keeps the similarity graph sparse).
EDGE_FLOOR = 0.08
# A word in more than this share of the entries (and in more than MAX_DF_FLOOR of them) sets no
# group apart: it is the meeting's subject ("welvaart"), or boilerplate; left out of the vectors,
# it also keeps the similarity graph sparse (with a share of 0.5, 1,000 entries that each carry
# two of six stock sentences took 1.6 s of CPU instead of 0.25 s). A subject raised in fewer entries
# stays, and entries typed the same are one group whatever their number.
MAX_DF_SHARE = 0.3
MAX_DF_FLOOR = 20
# The weight of a two-word term beside its words.
BIGRAM_WEIGHT = 0.5
# Stems with a common beginning this long, covering this share of the longer one, are one word.
VARIANT_PREFIX = 7
VARIANT_SHARE = 0.6
# Only this much of an entry is read: an entry is a short statement; a pasted essay is cut.
MAX_TEXT = 5_000
MAX_LABEL_WORDS = 3
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


@dataclass(frozen=True)
class SuggestedGroup:
    """A suggestion: ``label`` (its ``words`` joined), the entries in input order, their tables
    (ascending), and ``cohesion``, the entries' average pairwise similarity (0–1)."""

    label: str
    words: tuple[str, ...]
    entry_ids: tuple[EntryId, ...]
    tables: tuple[int, ...]
    cohesion: float


@dataclass
class _Entry:
    id: EntryId
    table: int
    # (stem, written form) per run of content words; a stop word or punctuation ends a run
    runs: list[list[tuple[str, str]]]
    vector: dict[str, float] = field(default_factory=dict)
    forms: dict[str, Counter[str]] = field(default_factory=dict)


def _valid(entries: Iterable[object]) -> list[tuple[EntryId, int, str]]:
    """The usable (id, table, text) triples, each id once (its first); anything else is skipped."""
    seen: set[EntryId] = set()
    valid: list[tuple[EntryId, int, str]] = []
    for item in entries:
        if not isinstance(item, tuple | list) or len(item) != 3:
            continue
        entry_id, table, text = item
        if isinstance(entry_id, bool) or not isinstance(entry_id, int | str):
            continue
        if isinstance(table, bool) or not isinstance(table, int) or not isinstance(text, str):
            continue
        if entry_id in seen:
            continue
        seen.add(entry_id)
        valid.append((entry_id, table, text))
    return valid


def _written(word: str, first: bool) -> str:
    """How a word counts as written: a sentence's capital is no part of it, an acronym's is."""
    if first and not (len(word) > 1 and word.isupper()):
        return word.lower()
    return word


def _runs(text: str, lang: str, ignored: set[str]) -> list[list[tuple[str, str]]]:
    """Runs of (stem, form) of the content words of ``text``; hyphenated words count per part."""
    stops = stop_words(lang)
    cleaned = MARKDOWN_RE.sub(" ", URL_RE.sub(" ", text[:MAX_TEXT]))
    runs: list[list[tuple[str, str]]] = []
    for sentence in SENTENCE_BREAK_RE.split(cleaned):
        run: list[tuple[str, str]] = []
        position = 0
        for match in WORD_RE.finditer(sentence):
            for word in match.group(0).split("-"):
                lower = word.lower()
                first = position == 0
                position += 1
                if lower in stops or len(lower) < MIN_LENGTH or stem(lower, lang) in ignored:
                    if run:
                        runs.append(run)
                    run = []
                    continue
                run.append((stem(lower, lang), _written(word, first)))
        if run:
            runs.append(run)
    return runs


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def variants(stems: Iterable[str]) -> dict[str, str]:
    """Each stem's representative: stems that begin alike over at least VARIANT_PREFIX letters
    and VARIANT_SHARE of the longer one are one word ("communiceer" and "communicer"), the
    alphabetically first of them standing for all. A compound is not its first part:
    "energietransitie" is not "energie"."""
    buckets: dict[str, list[str]] = defaultdict(list)
    for word in sorted(set(stems)):
        if len(word) >= VARIANT_PREFIX:
            buckets[word[:VARIANT_PREFIX]].append(word)
    parent: dict[str, str] = {}

    def root(word: str) -> str:
        while parent.get(word, word) != word:
            word = parent[word]
        return word

    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if _common_prefix(a, b) >= VARIANT_SHARE * max(len(a), len(b)):
                    ra, rb = root(a), root(b)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
    return {word: root(word) for word in parent}


def _features(entries: list[_Entry]) -> None:
    """Each entry's terms (stems and two-word terms) with their written forms, in ``forms``."""
    canonical = variants(s for e in entries for run in e.runs for s, _ in run)
    for entry in entries:
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for run in entry.runs:
            stems = [canonical.get(s, s) for s, _ in run]
            for i, (word, (_, form)) in enumerate(zip(stems, run, strict=True)):
                forms[word][form] += 1
                if i + 1 < len(run) and stems[i + 1] != word:
                    forms[f"{word} {stems[i + 1]}"][f"{form} {run[i + 1][1]}"] += 1
        entry.forms = dict(forms)


def _weigh(entries: list[_Entry]) -> dict[str, float]:
    """Unit TF-IDF vectors in ``vector``, of the terms in at most MAX_DF_SHARE of the entries;
    returns every term's IDF (a label may still name a common word)."""
    count = len(entries)
    df: Counter[str] = Counter(term for e in entries for term in e.forms)
    limit = max(MAX_DF_SHARE * count, MAX_DF_FLOOR)
    idf = {t: math.log((1 + count) / (1 + n)) + 1 for t, n in df.items()}
    for entry in entries:
        vector: dict[str, float] = {}
        for term, forms in entry.forms.items():
            if df[term] <= limit:
                weight = BIGRAM_WEIGHT if " " in term else 1.0
                vector[term] = weight * (1 + math.log(sum(forms.values()))) * idf[term]
        norm = math.sqrt(sum(w * w for w in vector.values()))
        entry.vector = {t: w / norm for t, w in vector.items()} if norm else {}
    return idf


def _similarities(entries: list[_Entry]) -> tuple[list[list[int]], list[dict[int, float]]]:
    """The entries with the same terms as one node each (a meeting's "Verdienvermogen" typed at
    five tables is one node of five; an entry without a content word is none), and per node the
    sum of its entries' cosine similarities with each other node's, for every pair of entries at
    least EDGE_FLOOR alike; found via term postings."""
    nodes: list[list[int]] = []
    first: dict[tuple[tuple[str, int], ...], int] = {}
    for i, entry in enumerate(entries):
        if entry.forms:
            # the terms and how often: what the vector is made of (even if too common to count)
            key = tuple(sorted((term, sum(forms.values())) for term, forms in entry.forms.items()))
            if key in first:
                nodes[first[key]].append(i)
            else:
                first[key] = len(nodes)
                nodes.append([i])
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    links: list[dict[int, float]] = [{} for _ in nodes]
    for node, members in enumerate(nodes):
        dots: dict[int, float] = defaultdict(float)
        for term, weight in entries[members[0]].vector.items():
            for other, theirs in postings[term]:
                dots[other] += weight * theirs
            postings[term].append((node, weight))
        for other, dot in dots.items():
            if dot >= EDGE_FLOOR:
                links[node][other] = links[other][node] = dot * len(members) * len(nodes[other])
    return nodes, links


def _cluster(
    members: list[list[int]], links: list[dict[int, float]], threshold: float
) -> list[tuple[list[int], float]]:
    """Clusters of more than one entry, joined while their centroids are at least ``threshold``
    alike (cosine) and their entries on average AVERAGE_FLOOR, with their entries' average
    pairwise similarity.

    ``members`` (a node's entries, all with one vector) and ``links`` (sums of similarities
    between nodes) are consumed: they become the clusters' and the sums between clusters. The
    centroids' cosine follows from those sums: for unit vectors, |sum of A| = sqrt(|A| + 2 *
    (A's inner sum)). Ties go to the lower indices: the same input gives the same clusters."""
    count = len(links)
    inner = [len(m) * (len(m) - 1) / 2 for m in members]  # identical entries: similarity 1
    length = [float(len(m)) for m in members]  # the length of the sum of each cluster's vectors
    version = [0] * count
    heap = [
        (-total / (length[i] * length[j]), i, j, 0, 0)
        for i in range(count)
        for j, total in links[i].items()
        if i < j and total / (length[i] * length[j]) >= max(threshold, AVERAGE_FLOOR)
    ]
    heapq.heapify(heap)
    while heap:
        _, i, j, vi, vj = heapq.heappop(heap)
        if version[i] != vi or version[j] != vj or not members[i] or not members[j]:
            continue
        inner[i] += inner[j] + links[i].pop(j)
        del links[j][i]
        for other, total in links[j].items():
            del links[other][j]
            links[i][other] = links[other][i] = links[i].get(other, 0.0) + total
        links[j] = {}
        members[i] += members[j]
        members[j] = []
        version[i] += 1
        length[i] = math.sqrt(len(members[i]) + 2 * inner[i])
        for other, total in links[i].items():
            alike = total / (length[i] * length[other])
            if alike >= threshold and total >= AVERAGE_FLOOR * len(members[i]) * len(members[other]):
                a, b = min(i, other), max(i, other)
                heapq.heappush(heap, (-alike, a, b, version[a], version[b]))
    return [
        (sorted(group), inner[i] / (len(group) * (len(group) - 1) / 2))
        for i, group in enumerate(members)
        if len(group) > 1
    ]


def _shown(forms: Counter[str]) -> str:
    """The form written most often; on a tie the lower-case, then the shorter, then the first."""
    return min(forms, key=lambda form: (-forms[form], not form.islower(), len(form), form))


def _label(group: list[_Entry], idf: dict[str, float]) -> tuple[str, ...]:
    """The group's most characteristic terms, three words at most: the first is in the most of
    its entries and rarest in the meeting; a further one must be in more than half of them. A
    two-word term stands for its words ("brede welvaart", not "brede, welvaart"), and two that
    overlap make one of three words ("europese interne markt")."""
    spread: Counter[str] = Counter(term for entry in group for term in entry.forms if term in idf)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in group:
        for term, written in entry.forms.items():
            forms[term].update(written)
    ranked = sorted(spread, key=lambda t: (-spread[t] * idf[t], -spread[t], -len(t.split()), t))
    chosen: list[tuple[list[str], list[str]]] = []  # (stems, words shown) per term of the label
    for term in ranked:
        if chosen and (spread[term] < 2 or 2 * spread[term] <= len(group)):
            continue
        stems, shown = term.split(), _shown(forms[term]).split()
        taken = {s for c, _ in chosen for s in c}
        if set(stems) <= taken or len(shown) != len(stems):
            continue
        room = MAX_LABEL_WORDS - len(taken)
        if len(stems) == 2:
            # a two-word term extends a term of the label it begins or ends with (a word too)
            chain = next((c for c in chosen if c[0][-1] == stems[0] or c[0][0] == stems[1]), None)
            if chain is not None and stems[1] not in taken and chain[0][-1] == stems[0] and room:
                chain[0].append(stems[1])
                chain[1].append(shown[1])
                continue
            if chain is not None and stems[0] not in taken and chain[0][0] == stems[1] and room:
                chain[0].insert(0, stems[0])
                chain[1].insert(0, shown[0])
                continue
        if len(stems) <= room and not set(stems) & taken:
            chosen.append((stems, shown))
    return tuple(" ".join(shown) for _, shown in chosen)


def suggest_groups(
    entries: Iterable[object],
    language: str | None = "nl",
    *,
    max_groups: int = 20,
    min_size: int = 2,
    min_tables: int = 1,
    threshold: float = THRESHOLD,
    ignore: Iterable[str] = (),
) -> list[SuggestedGroup]:
    """Groups of entries that say alike, for the chair to accept or change.

    ``entries``: ``(entry_id, table_number, text)`` triples (id an int or str); malformed ones
    and repeated ids are skipped. ``language``: the meeting's ("nl", "en"; other → Dutch).
    ``min_size`` (at least 2), ``min_tables``: the smallest group suggested. ``ignore``: words
    that are no subject here (the meeting's bol and horizon labels). Every entry is in at most
    one group; groups spanning the most tables come first, then the largest, the most alike.
    """
    lang = "en" if language == "en" else "nl"
    ignored = {stem(word.lower(), lang) for word in ignore if isinstance(word, str)}
    parsed = [_Entry(i, t, _runs(text, lang, ignored)) for i, t, text in _valid(entries)]
    if max_groups <= 0 or len(parsed) < 2:
        return []
    _features(parsed)
    idf = _weigh(parsed)
    groups: list[SuggestedGroup] = []
    for indices, cohesion in _cluster(*_similarities(parsed), threshold):
        members = [parsed[i] for i in indices]
        tables = tuple(sorted({m.table for m in members}))
        if len(members) < max(min_size, 2) or len(tables) < min_tables:
            continue
        words = _label(members, idf)
        ids = tuple(m.id for m in members)
        groups.append(SuggestedGroup(", ".join(words), words, ids, tables, round(cohesion, 4)))
    order = {entry.id: i for i, entry in enumerate(parsed)}
    groups.sort(key=lambda g: (-len(g.tables), -len(g.entry_ids), -g.cohesion, order[g.entry_ids[0]]))
    return groups[:max_groups]
