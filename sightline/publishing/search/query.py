"""Query processing for the library search, the same for both engines.

A practitioner's query becomes a list of *concepts*. Each concept is one thing the searcher
asked for, with the alternative ways it may be written in the library:

    "SUDI co-sleeping"  ->  [ {sudi | "sudden unexpected death in infancy" | ...},
                              {"co sleeping" | cosleeping} ]

- Words are lower-cased, accents removed, possessive 's dropped ("mum's" -> mum); a hyphenated
  or ampersand word stays one unit ("co-sleeping", "A&E"). Text in double quotes is a phrase.
- English stop words are dropped (the PostgreSQL `english` list, so both engines agree).
- Abbreviations and their expansions (`SearchSynonym`, editable) match both ways: a unit or run
  of units equal to any member of a synonym group gets every member of the group as
  alternatives.
- Stemming and plural forms are left to the engine (porter on SQLite, `english` on PostgreSQL).
- A concept that matches nothing in the index may be corrected against the index vocabulary
  (`correct_word`); see `sightline.publishing.search.engine`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 300
MAX_CONCEPTS = 12
MIN_CORRECTABLE = 5  # shorter words have too many real neighbours (fire/five, sell/self)

# The PostgreSQL `english` stop-word list (snowball), so SQLite drops the same words.
STOPWORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now
    """.split()
)

# One unit of a query or a synonym phrase: letters and digits, optionally joined by - & or '.
_UNIT = re.compile(r"[^\W_]+(?:[-&'’][^\W_]+)*")
_QUOTED = re.compile(r'"([^"]*)"')
_SUBTOKEN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Café' -> 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def units(text: str) -> list[str]:
    """Normalised units of a text: 'Mum’s co-sleeping A&E' -> ['mum', 'co sleeping', 'a e'].

    A unit is its sub-words joined by single spaces (what the engines index); a possessive
    's is dropped."""
    result = []
    for match in _UNIT.finditer(fold(text)):
        raw = re.sub(r"['’]s$", "", match.group(0))
        parts = _SUBTOKEN.findall(raw)
        if parts:
            result.append(" ".join(parts))
    return result


@dataclass
class Concept:
    """One thing asked for, and the phrases (space-separated words) that express it."""

    text: str
    alternatives: list[str]
    corrected_from: str = ""
    is_phrase: bool = False

    @property
    def correctable(self) -> bool:
        """A single plain word without synonyms: a candidate for spelling correction."""
        return (
            not self.is_phrase
            and len(self.alternatives) == 1
            and " " not in self.alternatives[0]
            and self.alternatives[0].isalpha()
            and len(self.alternatives[0]) >= MIN_CORRECTABLE
        )


@dataclass
class ParsedQuery:
    text: str
    concepts: list[Concept] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.concepts

    def alternatives(self) -> list[str]:
        seen: dict[str, None] = {}
        for concept in self.concepts:
            for alternative in concept.alternatives:
                seen.setdefault(alternative, None)
        return list(seen)

    def corrected_text(self) -> str:
        """The query as searched, with corrections applied ('' when nothing was corrected)."""
        if not any(c.corrected_from for c in self.concepts):
            return ""
        text = self.text
        for concept in self.concepts:
            if concept.corrected_from:
                text = re.sub(
                    rf"(?i)\b{re.escape(concept.corrected_from)}\b",
                    concept.alternatives[0],
                    text,
                    count=1,
                )
        return text

    def embedding_text(self) -> str:
        """What the semantic model reads: the query plus the expansions of its abbreviations."""
        extra = []
        for concept in self.concepts:
            extra += [a for a in concept.alternatives if a != concept.text]
        return " ".join([self.text, *extra]).strip()


class SynonymTable:
    """Groups of interchangeable phrases, matched both ways, longest first."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        self._groups: dict[tuple[str, ...], list[str]] = {}
        for group in groups:
            members = []
            for phrase in group:
                key = tuple(units(phrase))
                if key:
                    members.append(key)
            joined = [" ".join(m) for m in members]
            for key in members:
                existing = self._groups.setdefault(key, [])
                for phrase in joined:
                    if phrase not in existing:
                        existing.append(phrase)
        self.longest = max((len(k) for k in self._groups), default=0)

    def match(self, sequence: list[str], start: int) -> tuple[int, list[str]] | None:
        """The longest synonym phrase starting at sequence[start]: (length, alternatives)."""
        for length in range(min(self.longest, len(sequence) - start), 0, -1):
            alternatives = self._groups.get(tuple(sequence[start : start + length]))
            if alternatives:
                return length, alternatives
        return None


def parse(text: str, synonyms: SynonymTable | None = None) -> ParsedQuery:
    """Turn the searcher's words into concepts (see the module docstring)."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    parsed = ParsedQuery(text=text)
    synonyms = synonyms or SynonymTable([])
    segments: list[tuple[bool, str]] = []
    position = 0
    for match in _QUOTED.finditer(text):
        segments.append((False, text[position : match.start()]))
        segments.append((True, match.group(1)))
        position = match.end()
    segments.append((False, text[position:].replace('"', " ")))
    for quoted, segment in segments:
        sequence = units(segment)
        if quoted:
            words = [w for unit in sequence for w in unit.split()]
            if words and not all(w in STOPWORDS for w in words):
                phrase = " ".join(words)
                parsed.concepts.append(Concept(phrase, [phrase], is_phrase=True))
            continue
        index = 0
        while index < len(sequence):
            found = synonyms.match(sequence, index)
            if found:
                length, alternatives = found
                original = " ".join(sequence[index : index + length])
                ordered = [original] + [a for a in alternatives if a != original]
                parsed.concepts.append(Concept(original, ordered))
                index += length
                continue
            unit = sequence[index]
            index += 1
            if unit in STOPWORDS:
                continue
            alternatives = [unit]
            if " " in unit:  # co-sleeping: also as one word
                joined = unit.replace(" ", "")
                if joined.isalpha():
                    alternatives.append(joined)
            parsed.concepts.append(Concept(unit, alternatives))
    for concept in parsed.concepts:
        concept.alternatives = [a for a in concept.alternatives if searchable(a)]
    parsed.concepts = _dedupe([c for c in parsed.concepts if c.alternatives])[:MAX_CONCEPTS]
    return parsed


def searchable(phrase: str) -> bool:
    """Whether a phrase says anything an engine can look for: at least one word of two or more
    characters that is not a stop word ('a e' from A&E does not; 'accident and emergency' does).
    """
    return any(len(w) >= 2 and w not in STOPWORDS for w in phrase.split())


def _dedupe(concepts: list[Concept]) -> list[Concept]:
    seen, result = set(), []
    for concept in concepts:
        key = tuple(concept.alternatives)
        if key not in seen:
            seen.add(key)
            result.append(concept)
    return result


# --------------------------------------------------------------------------- spelling


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Optimal string alignment distance (transpositions count as one edit) <= limit."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return False
        previous2, previous = previous, current
    return previous[len(b)] <= limit


def allowed_edits(word: str) -> int:
    """How many edits a correction may make: one for words up to six letters, else two."""
    return 1 if len(word) <= 6 else 2


def correct_word(word: str, vocabulary: dict[str, list[tuple[str, int]]]) -> str | None:
    """The most likely intended word from the index vocabulary, or None.

    `vocabulary` maps a first letter to (word, document frequency) pairs. Candidates share the
    first letter (people rarely misspell it), are within `allowed_edits` edits, and are ranked
    by similarity, then by how many items use them."""
    pool = vocabulary.get(word[:1], ())
    limit = allowed_edits(word)
    candidates = [(w, df) for w, df in pool if abs(len(w) - len(word)) <= limit and w != word]
    if not candidates:
        return None
    # The query word is the matcher's second sequence: its index is built once.
    matcher = difflib.SequenceMatcher(b=word, autojunk=False)
    scored = []
    for candidate, df in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
            continue
        ratio = matcher.ratio()
        if ratio >= 0.7 and _edit_distance_at_most(word, candidate, limit):
            scored.append((ratio, df, candidate))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return scored[0][2]
