"""What the publication guard looks for, and finding it in text.

The terms come from the case's restricted record (`identity_terms`) and from patterns that
identify anyone (`GENERIC_TERMS`: NHS numbers with a valid check digit, UK postcodes).
`scan_text` turns the matches in one piece of text into findings with masked excerpts, and
`redact` masks them in place. Files are read in guard_sources.py; guard.py puts both together
for a publication plan and is the module the rest of the code uses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

KIND_CHILD = "child's name"
KIND_DOB = "date of birth"
KIND_POSTCODE = "postcode"
KIND_NHS = "NHS number"
KIND_ADDRESS = "address"
KIND_SCHOOL = "school"
KIND_FAMILY = "family member"
KIND_NHS_PATTERN = "NHS number pattern"
KIND_POSTCODE_PATTERN = "postcode pattern"
KIND_COMMENTS = "comments"
KIND_TRACKED = "tracked changes"
KIND_UNREADABLE = "file could not be checked"

WHERE_TITLE = "title"
WHERE_SUMMARY = "summary"
WHERE_TEXT = "text"
WHERE_FILE_TEXT = "file text"
WHERE_FILE_METADATA = "file metadata"

MASK = "██████"
EXCERPT_WIDTH = 40
MAX_FINDINGS_PER_PLACE = 25

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Words that are also names. A name part that is one of these is not looked for on its own
# (it would match ordinary prose); the full name is still looked for.
COMMON_WORDS = frozenset(
    """
    a an and the of in on at to for from by with as or but not no is are was were be been
    he she it they we you i me my his her its our their them us this that these those there
    here who whom what when where why how all any some one two three four five six seven eight
    nine ten first second new old big little long short young elder senior junior
    mr mrs ms miss mx dr sir lady lord master madam rev
    baby child children infant boy girl son daughter mother mum mummy father dad daddy parent
    parents carer partner brother sister sibling half step grandmother grandfather nan nana
    gran grandma grandad grandpa aunt auntie uncle cousin niece nephew family friend
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter
    rose grace hope faith joy charity patience honor honour mercy felicity prudence constance
    dawn eve ivy holly hazel heather daisy lily poppy iris violet jasmine jade amber ruby pearl
    crystal coral olive willow sky skye rain river storm star sunny summer autumn april june
    may august mark will bill frank art rob pat sue sandy rusty bob jack jet max bay
    brown green white black grey gray gold silver red blue
    bell hall hill wood woods field fields ford lane street road park parks church chapel
    king queen prince knight bishop cook ward page rich young long short little small strong
    sharp wise bright day days night week year years well wells banks bank stone stones
    rivers brook brooks north south east west marsh moss more rice mills
    care health police school council social nurse team service services court home house
    close way view green grove drive avenue crescent gardens place square terrace row walk
    """.split()
)

# Address lines that name the area, not the home (the partnership name is added at run time).
GENERIC_PLACES = frozenset({"uk", "united kingdom", "england", "wales", "gb", "great britain"})
SCHOOL_SUFFIXES = re.compile(r"\s+(?:school|academy|college|nursery)$", re.IGNORECASE)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


@dataclass(frozen=True)
class Finding:
    """One match: where it was found, what kind of identifier it is, and a masked excerpt."""

    where: str
    kind: str
    excerpt: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "kind": self.kind, "excerpt": self.excerpt}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(
            where=str(data.get("where", "")),
            kind=str(data.get("kind", "")),
            excerpt=str(data.get("excerpt", "")),
        )


@dataclass(frozen=True)
class Term:
    """Something to look for: a compiled pattern, its kind, and an optional check on a match."""

    kind: str
    pattern: re.Pattern
    check: Callable[[re.Match], bool] | None = None
    priority: int = 0  # lower wins when two matches cover the same text


# --------------------------------------------------------------------------- patterns


def _words_pattern(text: str) -> str | None:
    """A phrase matched whole, case-insensitively, with any run of spaces between its words and
    either kind of apostrophe."""
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    if not words:
        return None
    escaped = [re.escape(w).replace("'", "['’]").replace("’", "['’]") for w in words]
    return r"(?<!\w)" + r"\s+".join(escaped) + r"(?!\w)"


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _is_common(word: str) -> bool:
    return word.lower().strip(".'’-") in COMMON_WORDS


def _name_variants(name: str) -> list[str]:
    """The full name, and each part of 3 letters or more that is not a common word (a
    double-barrelled part also gives each half)."""
    name = re.sub(r"\([^)]*\)", " ", name)
    name = re.sub(r"\s+", " ", name).strip(" ,;:-")
    if _letters(name) < 3:
        return []
    variants = [name]
    for part in name.split(" "):
        pieces = [part, *part.split("-")] if "-" in part else [part]
        for piece in pieces:
            piece = piece.strip(".,'’")
            if _letters(piece) >= 3 and not _is_common(piece):
                variants.append(piece)
    return list(dict.fromkeys(variants))


def _date_pattern(d: date) -> str:
    month = MONTHS[d.month - 1]
    names = [month, month[:3] + r"\.?"]
    if d.month == 9:
        names.append(r"Sept\.?")
    month_name = "(?:" + "|".join(names) + ")"
    day = rf"0?{d.day}"
    ordinal_day = rf"{day}(?:st|nd|rd|th)?"
    month_number = rf"0?{d.month}"
    year, short_year = str(d.year), f"{d.year % 100:02d}"
    sep = r"\s*[/.\-]\s*"
    forms = [
        rf"{ordinal_day}(?:\s+of)?\s+{month_name},?\s+{year}",
        rf"{month_name}\s+{ordinal_day},?\s+{year}",
        rf"{day}{sep}{month_number}{sep}(?:{year}|{short_year})",
        rf"{year}{sep}{month_number}{sep}{day}",
    ]
    return r"(?<!\w)(?:" + "|".join(forms) + r")(?!\w)"


_DATE_IN_TEXT = re.compile(
    r"(?<!\w)(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>[A-Za-z]{3,9})\.?,?\s+(?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2})[/.\-](?P<m2>\d{1,2})[/.\-](?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2}))(?!\w)"
)


def dates_in(text: str) -> list[date]:
    """Dates written in a line of free text ("14 May 2002", "14/05/2002", "2002-05-14")."""
    found = []
    for m in _DATE_IN_TEXT.finditer(text or ""):
        try:
            if m.group("y1"):
                name = m.group("m1").lower()
                month = next(
                    (i + 1 for i, full in enumerate(MONTHS) if full.lower().startswith(name[:3])),
                    None,
                )
                if month is None:
                    continue
                found.append(date(int(m.group("y1")), month, int(m.group("d1"))))
            elif m.group("y2"):
                found.append(date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))))
            else:
                found.append(date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3"))))
        except ValueError:
            continue
    return found


def _postcode_pattern(postcode: str) -> str | None:
    compact = re.sub(r"\s+", "", postcode or "").upper()
    if not re.fullmatch(r"[A-Z0-9]{5,7}", compact):
        return None
    return r"(?<![A-Za-z0-9])" + r"\s*".join(compact) + r"(?![A-Za-z0-9])"


def _nhs_pattern(nhs_number: str) -> str | None:
    digits = re.sub(r"\D", "", nhs_number or "")
    if len(digits) != 10:
        return None
    return r"(?<!\d)" + r"[\s\-]*".join(digits) + r"(?!\d)"


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number modulus 11 check (the tenth digit is the check digit)."""
    if not re.fullmatch(r"\d{10}", digits) or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_generic_ok(match: re.Match) -> bool:
    return nhs_check_digit_ok(re.sub(r"\D", "", match.group(0)))


# The UK Government Data Standards postcode pattern, with flexible spacing.
_POSTCODE_GENERIC = (
    r"(?<![A-Za-z0-9])(?:GIR\s{0,2}0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?"
    r"|[0-9][A-HJKPS-UW])\s{0,2}[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)
_NHS_GENERIC = r"(?<![\d\-])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\d\-])"

GENERIC_TERMS = (
    Term(KIND_NHS_PATTERN, re.compile(_NHS_GENERIC), _nhs_generic_ok, priority=5),
    Term(KIND_POSTCODE_PATTERN, re.compile(_POSTCODE_GENERIC), priority=5),
)


# --------------------------------------------------------------------------- identity terms


def _term(kind: str, pattern: str | None, priority: int = 0) -> Term | None:
    if not pattern:
        return None
    return Term(kind, re.compile(pattern, re.IGNORECASE), priority=priority)


def _split_names(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[,;/\n]|\band\b", text or "") if n.strip()]


def _family_names(line: str) -> list[str]:
    """The name in a family-member line: "Name, relationship, date of birth" (or
    "relationship: Name")."""
    first = line.split(",")[0]
    if ":" in first:
        first = first.split(":", 1)[1]
    first = _DATE_IN_TEXT.sub(" ", first)
    return [first.strip()] if first.strip() else []


def _area_words() -> set[str]:
    name = getattr(settings, "SIGHTLINE_PARTNERSHIP_NAME", "")
    return {w.lower() for w in re.findall(r"[A-Za-z']+", name)}


def _address_terms(address: str, extra_area: str = "") -> list[str]:
    area = _area_words() | {w.lower() for w in re.findall(r"[A-Za-z']+", extra_area or "")}
    terms = []
    for line in re.split(r"[\n,]+", address or ""):
        line = re.sub(r"\s+", " ", line).strip(" .")
        if _letters(line) < 4 or line.lower() in GENERIC_PLACES:
            continue
        if re.fullmatch(r"(?i)(?:flat|apartment|unit|room|floor)\s*\w{0,4}", line):
            continue
        words = re.findall(r"[A-Za-z']+", line)
        if words and all(w.lower() in area for w in words):
            continue  # the partnership's own area, named throughout every report
        if len(words) == 1 and _is_common(words[0]):
            continue
        terms.append(line)
        street = re.match(r"^(?:flat|apartment|unit)?\s*\d+[a-z]?(?:[/-]\d+[a-z]?)?\s+(.+)$", line,
                          re.IGNORECASE)  # fmt: skip
        if street and len(street.group(1).split()) >= 2:
            terms.append(street.group(1))
    return list(dict.fromkeys(terms))


def identity_terms(subject) -> list[Term]:
    """The terms to look for from one restricted record (a `CaseSubject`, or None)."""
    if subject is None:
        return []
    terms: list[Term | None] = []
    for name in _name_variants(subject.child_name or ""):
        terms.append(_term(KIND_CHILD, _words_pattern(name)))
    for other in _split_names(subject.other_names):
        for name in _name_variants(other):
            terms.append(_term(KIND_CHILD, _words_pattern(name)))
    birth_dates = [subject.date_of_birth] if subject.date_of_birth else []
    for line in (subject.family_members or "").splitlines():
        for full in _family_names(line):
            for name in _name_variants(full):
                terms.append(_term(KIND_FAMILY, _words_pattern(name), priority=1))
        birth_dates.extend(dates_in(line))
    for d in dict.fromkeys(birth_dates):
        terms.append(_term(KIND_DOB, _date_pattern(d)))
    terms.append(_term(KIND_POSTCODE, _postcode_pattern(subject.postcode)))
    terms.append(_term(KIND_NHS, _nhs_pattern(subject.nhs_number)))
    for line in _address_terms(subject.address, subject.residence_local_authority or ""):
        terms.append(_term(KIND_ADDRESS, _words_pattern(line), priority=2))
    school = re.sub(r"\s+", " ", subject.school or "").strip()
    if _letters(school) >= 3:
        terms.append(_term(KIND_SCHOOL, _words_pattern(school)))
        short = SCHOOL_SUFFIXES.sub("", school)
        if short != school and len(short.split()) >= 2:
            terms.append(_term(KIND_SCHOOL, _words_pattern(short)))
    return [t for t in terms if t is not None]


# --------------------------------------------------------------------------- text scanning


def normalise(text: str) -> str:
    """NFKC, without zero-width characters and soft hyphens that could split a name."""
    return unicodedata.normalize("NFKC", str(text or "")).translate(_ZERO_WIDTH)


def _matches(text: str, terms: Iterable[Term]) -> list[tuple[int, int, Term]]:
    found = []
    for term in terms:
        for m in term.pattern.finditer(text):
            if m.end() > m.start() and (term.check is None or term.check(m)):
                found.append((m.start(), m.end(), term))
    # Keep the longest match where matches overlap (the full name over its parts); on a tie,
    # the more specific kind.
    found.sort(key=lambda x: (x[0], -(x[1] - x[0]), x[2].priority))
    kept: list[tuple[int, int, Term]] = []
    for start, end, term in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, term))
    return kept


def _excerpt(text: str, start: int, end: int, spans: list[tuple[int, int, Term]]) -> str:
    lo, hi = max(0, start - EXCERPT_WIDTH), min(len(text), end + EXCERPT_WIDTH)
    for s, e, _ in spans:  # never cut a match in half at the edge of the window
        if s < lo < e:
            lo = s
        if s < hi < e:
            hi = e
    if lo > 0:
        space = text.rfind(" ", max(0, lo - 15), lo)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.find(" ", hi, hi + 15)
        hi = space if space != -1 else hi
    pieces, cursor = [], lo
    for s, e, _ in spans:
        if e <= lo or s >= hi:
            continue
        pieces.append(text[cursor:s])
        pieces.append(MASK)
        cursor = e
    pieces.append(text[cursor:hi])
    body = re.sub(r"\s+", " ", "".join(pieces)).strip()
    return f"{'…' if lo > 0 else ''}{body}{'…' if hi < len(text) else ''}"


def scan_text(text: str, where: str, terms: Iterable[Term]) -> list[Finding]:
    """Findings in one piece of text; each excerpt has every match in it masked."""
    text = normalise(text)
    if not text.strip():
        return []
    spans = _matches(text, terms)
    return [
        Finding(where=where, kind=term.kind, excerpt=_excerpt(text, start, end, spans))
        for start, end, term in spans[:MAX_FINDINGS_PER_PLACE]
    ]


def redact(text: str, terms: Iterable[Term]) -> str:
    """The text with every match replaced by the mask, for readers who may not see
    identities (partner leads and the scrutineer reading a plan that is not yet clear)."""
    text = normalise(text)
    spans = _matches(text, terms)
    pieces, cursor = [], 0
    for start, end, _ in spans:
        pieces.append(text[cursor:start])
        pieces.append(MASK)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
