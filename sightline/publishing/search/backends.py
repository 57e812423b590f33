"""The two full-text engines behind one interface: SQLite FTS5 and PostgreSQL.

Both keep the same projection of every public library item (tables made by migration
0002_library_search):

- SQLite: `publishing_library_fts` (FTS5: title, summary, themes, body; porter stemming;
  rowid = item id; bm25 weights 5/2/2/1 set as the table's rank) and `publishing_library_doc`
  (the facet fields, so filters never read the long text).
- PostgreSQL: `publishing_library_search` (the text, the facet fields and `search_vector`:
  title weighted A, summary and themes B, body C, 'english' configuration, GIN index).
- Both: `publishing_library_vector` (one embedding per item), `publishing_search_term`
  (the vocabulary for spelling correction) and `publishing_search_state` (a token that
  changes on every index write, so caches know when to reload).

A query reaches a backend as *expressions*: one per concept (its alternatives OR-ed), which the
backend combines with AND or OR. Scores returned are "higher is better".
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from sightline.publishing.search.query import fold

MARK_START = "\x02"
MARK_END = "\x03"
BODY_LIMIT = 300_000  # characters of body text indexed per item (PostgreSQL caps a tsvector)
HEADLINE_FETCH = 60_000  # characters scanned for the best passage on PostgreSQL
HEADLINE_WINDOW = 700  # characters around that passage handed to ts_headline
FULL_RANK = 150  # PostgreSQL: most items ranked on their whole text per search


@dataclass
class IndexDoc:
    item_id: int
    title: str
    summary: str
    themes: str
    body: str
    kind: str
    year: int | None
    review_type: str
    theme_slugs: list[str]
    published: str

    @property
    def slugs_field(self) -> str:
        return "|" + "|".join(self.theme_slugs) + "|" if self.theme_slugs else ""

    def full_text(self) -> str:
        return "\n".join((self.title, self.summary, self.themes, self.body))


@dataclass
class Filters:
    kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    review_types: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.themes or self.years or self.review_types)

    def sql(self, prefix: str = "") -> tuple[str, list]:
        """WHERE conditions on the facet columns (kind, year, review_type, theme_slugs)."""
        parts, params = [], []
        if self.kinds:
            parts.append(f"{prefix}kind IN ({', '.join(['%s'] * len(self.kinds))})")
            params += list(self.kinds)
        if self.years:
            parts.append(f"{prefix}year IN ({', '.join(['%s'] * len(self.years))})")
            params += list(self.years)
        if self.review_types:
            placeholders = ", ".join(["%s"] * len(self.review_types))
            parts.append(f"LOWER({prefix}review_type) IN ({placeholders})")
            params += [r.lower() for r in self.review_types]
        if self.themes:
            parts.append(
                "(" + " OR ".join([f"{prefix}theme_slugs LIKE %s"] * len(self.themes)) + ")"
            )
            params += [f"%|{slug}|%" for slug in self.themes]
        return " AND ".join(parts), params


_DISTANCE = re.compile(r"<(?:-|\d+)>")


def loosen(tsquery: str) -> str:
    """A tsquery with phrases turned into AND ('domestic' <-> 'abus' -> 'domestic' & 'abus'):
    the GIN index answers it without reading rows; ranking still uses the phrase."""
    return _DISTANCE.sub("&", tsquery)


def clean_text(text: str) -> str:
    """Text as indexed: no NULs and none of the characters used as highlight markers."""
    return (text or "").replace("\x00", " ").replace(MARK_START, " ").replace(MARK_END, " ")


_PREFIX_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "y")


def passage_pattern(alternatives: Iterable[str]) -> re.Pattern | None:
    """A rough pattern for where query words occur in text (stem-like prefixes), used to pick
    the passage that the engine then highlights properly."""
    prefixes = set()
    for alternative in alternatives:
        for word in alternative.split():
            if len(word) < 3:
                continue
            for suffix in _PREFIX_SUFFIXES:
                if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                    word = word[: -len(suffix)]
                    break
            prefixes.add(re.escape(word))
    if not prefixes:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(prefixes, key=len, reverse=True)) + r")\w*")


def best_passage(text: str, pattern: re.Pattern | None, width: int = HEADLINE_WINDOW) -> str:
    """The `width`-character window of `text` holding the most distinct query-word matches."""
    if pattern is None:
        return text[:width]
    folded = fold(text) if not text.isascii() else text.lower()
    if len(folded) != len(text):  # folding changed lengths: search the original, less well
        folded = text.lower()
    matches = [(m.start(), m.group(0)[:5]) for m in pattern.finditer(folded)]
    if not matches:
        return text[:width]
    best_start, best_score, left = matches[0][0], 0.0, 0
    for right in range(len(matches)):
        while matches[right][0] - matches[left][0] > width * 0.7:
            left += 1
        window = matches[left : right + 1]
        score = len({w for _, w in window}) + 0.1 * len(window)
        if score > best_score:
            best_score, best_start = score, window[0][0]
    start = max(0, best_start - width // 5)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + width)
    passage = text[start:end]
    return ("… " if start else "") + passage + (" …" if end < len(text) else "")


class Backend:
    vendor = ""
    preselects = False  # True: the engine picks the candidates to rank (see PostgresBackend)

    def session(self):
        """The context searches run in (a transaction on PostgreSQL, for SET LOCAL)."""
        return contextlib.nullcontext()

    def prepare_session(self, cursor) -> None:
        """Per-search engine settings."""

    # --- shared tables ---------------------------------------------------------------------

    def bump_state(self, cursor, token: str) -> None:
        cursor.execute("UPDATE publishing_search_state SET token = %s WHERE id = 1", [token])

    def state_token(self, cursor) -> str:
        cursor.execute("SELECT token FROM publishing_search_state WHERE id = 1")
        row = cursor.fetchone()
        return row[0] if row else ""

    def write_vectors(self, cursor, rows: Sequence[tuple[int, bytes]]) -> None:
        if rows:
            cursor.executemany(
                "INSERT INTO publishing_library_vector (item_id, embedding) VALUES (%s, %s) "
                "ON CONFLICT (item_id) DO UPDATE SET embedding = excluded.embedding",
                list(rows),
            )

    def load_vectors(self, cursor) -> list[tuple[int, bytes]]:
        cursor.execute("SELECT item_id, embedding FROM publishing_library_vector")
        return [(row[0], bytes(row[1])) for row in cursor.fetchall()]

    def apply_vocabulary(self, cursor, delta: dict[str, int]) -> None:
        rows = [(term, count) for term, count in delta.items() if count]
        if not rows:
            return
        cursor.executemany(
            "INSERT INTO publishing_search_term (term, df) VALUES (%s, %s) "
            "ON CONFLICT (term) DO UPDATE SET df = publishing_search_term.df + excluded.df",
            rows,
        )
        if any(count < 0 for _, count in rows):
            cursor.execute("DELETE FROM publishing_search_term WHERE df <= 0")

    def load_vocabulary(self, cursor) -> list[tuple[str, int]]:
        cursor.execute("SELECT term, df FROM publishing_search_term")
        return cursor.fetchall()

    def delete_common(self, cursor, ids: Sequence[int]) -> None:
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"DELETE FROM publishing_library_vector WHERE item_id IN ({placeholders})", list(ids)
        )

    # --- engine specific -------------------------------------------------------------------

    def write(self, cursor, docs: Sequence[IndexDoc]) -> None:
        raise NotImplementedError

    def delete(self, cursor, ids: Sequence[int]) -> None:
        raise NotImplementedError

    def old_texts(self, cursor, ids: Sequence[int]) -> dict[int, str]:
        raise NotImplementedError

    def metadata(self, cursor) -> list[tuple]:
        """(item_id, kind, year, review_type, theme_slugs, published) for every indexed item."""
        raise NotImplementedError

    def prepare(self, cursor, concepts: list[list[str]]) -> list[str]:
        """One engine expression per concept (alternatives OR-ed); '' for none."""
        raise NotImplementedError

    def combine(self, expressions: list[str], operator: str) -> str:
        raise NotImplementedError

    def concept_sets(self, cursor, expressions: list[str]) -> list[set[int]]:
        raise NotImplementedError

    def ranked(
        self, cursor, expression: str, filters: Filters, limit: int, size: int = 0
    ) -> list[tuple[int, float]]:
        """The best `limit` matches (`size`: how many items match, if known)."""
        raise NotImplementedError

    def raw(self, cursor, expression: str, limit: int = 10) -> list[tuple[int, float]]:
        """The bare engine query (for the benchmark): match, rank, limit."""
        raise NotImplementedError

    def snippets(
        self, cursor, expression: str, ids: Sequence[int], alternatives: list[str]
    ) -> dict[int, tuple[str, str]]:
        """{item id: (body passage, summary)} with matches between MARK_START and MARK_END."""
        raise NotImplementedError


class SqliteBackend(Backend):
    vendor = "sqlite"

    def write(self, cursor, docs):
        ids = [d.item_id for d in docs]
        self.delete(cursor, ids)
        cursor.executemany(
            "INSERT INTO publishing_library_fts (rowid, title, summary, themes, body) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(d.item_id, d.title, d.summary, d.themes, d.body) for d in docs],
        )
        cursor.executemany(
            "INSERT INTO publishing_library_doc "
            "(item_id, kind, year, review_type, theme_slugs, published) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(d.item_id, d.kind, d.year, d.review_type, d.slugs_field, d.published) for d in docs],
        )

    def delete(self, cursor, ids):
        if not ids:
            return
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM publishing_library_fts WHERE rowid IN ({placeholders})", ids)
        cursor.execute(
            f"DELETE FROM publishing_library_doc WHERE item_id IN ({placeholders})", list(ids)
        )

    def old_texts(self, cursor, ids):
        if not ids:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(
            "SELECT rowid, title, summary, themes, body FROM publishing_library_fts "
            f"WHERE rowid IN ({placeholders})",
            list(ids),
        )
        return {row[0]: "\n".join(row[1:]) for row in cursor.fetchall()}

    def metadata(self, cursor):
        cursor.execute(
            "SELECT item_id, kind, year, review_type, theme_slugs, published "
            "FROM publishing_library_doc"
        )
        return cursor.fetchall()

    @staticmethod
    def _phrase(alternative: str) -> str:
        return '"' + alternative.replace('"', " ") + '"'

    def prepare(self, cursor, concepts):
        expressions = []
        for alternatives in concepts:
            parts = [self._phrase(a) for a in alternatives if a.strip()]
            if not parts:
                expressions.append("")
            elif len(parts) == 1:
                expressions.append(parts[0])
            else:
                expressions.append("(" + " OR ".join(parts) + ")")
        return expressions

    def combine(self, expressions, operator):
        parts = [e for e in expressions if e]
        return f" {operator} ".join(parts)

    def concept_sets(self, cursor, expressions):
        sets: list[set[int]] = [set() for _ in expressions]
        queries, params = [], []
        for index, expression in enumerate(expressions):
            if expression:
                queries.append(
                    f"SELECT {index}, rowid FROM publishing_library_fts "
                    "WHERE publishing_library_fts MATCH %s"
                )
                params.append(expression)
        if queries:
            cursor.execute(" UNION ALL ".join(queries), params)
            for index, item_id in cursor.fetchall():
                sets[index].add(item_id)
        return sets

    def ranked(self, cursor, expression, filters, limit, size=0):
        sql = "SELECT rowid, rank FROM publishing_library_fts WHERE publishing_library_fts MATCH %s"
        params: list = [expression]
        if filters.active:
            where, extra = filters.sql()
            # "+rowid": filter after matching; as a constraint, FTS5 would re-run the match
            # for every allowed row (measured 50 times slower).
            sql += f" AND +rowid IN (SELECT item_id FROM publishing_library_doc WHERE {where})"
            params += extra
        cursor.execute(sql + " ORDER BY rank LIMIT %s", [*params, limit])
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    def raw(self, cursor, expression, limit=10):
        cursor.execute(
            "SELECT rowid, rank FROM publishing_library_fts WHERE publishing_library_fts "
            "MATCH %s ORDER BY rank LIMIT %s",
            [expression, limit],
        )
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    def snippets(self, cursor, expression, ids, alternatives):
        if not ids or not expression:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(
            "SELECT rowid, snippet(publishing_library_fts, 3, %s, %s, '…', 36), "
            "highlight(publishing_library_fts, 1, %s, %s) FROM publishing_library_fts "
            f"WHERE publishing_library_fts MATCH %s AND rowid IN ({placeholders})",
            [MARK_START, MARK_END, MARK_START, MARK_END, expression, *ids],
        )
        return {row[0]: (row[1] or "", row[2] or "") for row in cursor.fetchall()}


class PostgresBackend(Backend):
    """Matching uses only GIN indexes on a narrow table (`publishing_library_search`: facet
    fields and two tsvectors stored out of line); the text lives in `publishing_library_text`.

    Ranking has to read each candidate's whole tsvector from TOAST (tens of microseconds per
    item), so it is bounded: the engine hands `rank_ids()` at most `FULL_RANK` candidates,
    chosen by how much of the query they match and whether they match it in the title,
    summary or themes (`head_vector`, GIN only). Phrases are checked exactly when few items
    hold all their words; beyond `PHRASE_EXACT` such items, the words' co-occurrence stands in
    for the phrase when counting matches, and ranking (cover density) still prefers the
    phrase."""

    vendor = "postgresql"
    CONFIG = "english"
    FULL_RANK = FULL_RANK
    PHRASE_EXACT = 300
    preselects = True
    HEADLINE_OPTIONS = (
        f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=40, MinWords=18, '
        'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
    )
    SUMMARY_OPTIONS = f'HighlightAll=true, StartSel="{MARK_START}", StopSel="{MARK_END}"'

    def session(self):
        return transaction.atomic()

    def prepare_session(self, cursor) -> None:
        # The planner prices `tsvector @@ tsquery` on a sequential scan as cheap, but each row
        # means reading its whole vector from TOAST: for a common word, 60 ms instead of 2 ms
        # through the GIN index. Plans that must scan anyway then look so costly that JIT
        # compilation would start (30-80 ms), so JIT is off too. Only this transaction.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")

    def write(self, cursor, docs):
        cursor.executemany(
            "INSERT INTO publishing_library_text (item_id, title, summary, themes, body) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (item_id) DO UPDATE SET "
            "title = excluded.title, summary = excluded.summary, themes = excluded.themes, "
            "body = excluded.body",
            [(d.item_id, d.title, d.summary, d.themes, d.body) for d in docs],
        )
        cursor.executemany(
            "INSERT INTO publishing_library_search (item_id, kind, year, review_type, "
            "theme_slugs, published, search_vector, head_vector) "
            "SELECT %s, %s, %s, %s, %s, %s, "
            "a || b || setweight(to_tsvector('english', %s), 'C'), a || b "
            "FROM (SELECT setweight(to_tsvector('english', %s), 'A') AS a, "
            "setweight(to_tsvector('english', %s), 'B') AS b) AS head "
            "ON CONFLICT (item_id) DO UPDATE SET kind = excluded.kind, year = excluded.year, "
            "review_type = excluded.review_type, theme_slugs = excluded.theme_slugs, "
            "published = excluded.published, search_vector = excluded.search_vector, "
            "head_vector = excluded.head_vector",
            [
                (
                    d.item_id,
                    d.kind,
                    d.year,
                    d.review_type,
                    d.slugs_field,
                    d.published,
                    d.body,
                    d.title,
                    f"{d.summary}\n{d.themes}",
                )
                for d in docs
            ],  # fmt: skip
        )

    def delete(self, cursor, ids):
        if ids:
            for table in ("publishing_library_search", "publishing_library_text"):
                cursor.execute(f"DELETE FROM {table} WHERE item_id = ANY(%s)", [list(ids)])

    def old_texts(self, cursor, ids):
        if not ids:
            return {}
        cursor.execute(
            "SELECT item_id, concat_ws(E'\\n', title, summary, themes, body) "
            "FROM publishing_library_text WHERE item_id = ANY(%s)",
            [list(ids)],
        )
        return dict(cursor.fetchall())

    def metadata(self, cursor):
        cursor.execute(
            "SELECT item_id, kind, year, review_type, theme_slugs, published "
            "FROM publishing_library_search"
        )
        return cursor.fetchall()

    def prepare(self, cursor, concepts):
        selects, params = [], []
        for alternatives in concepts:
            parts = [f"phraseto_tsquery('{self.CONFIG}', %s)" for _ in alternatives]
            params += alternatives
            selects.append("(" + " || ".join(parts) + ")::text" if parts else "''")
        if not selects:
            return []
        cursor.execute("SELECT " + ", ".join(selects), params)
        return [value or "" for value in cursor.fetchone()]

    def combine(self, expressions, operator):
        parts = [f"({e})" for e in expressions if e]
        return (" & " if operator == "AND" else " | ").join(parts)

    def concept_sets(self, cursor, expressions):
        sets: list[set[int]] = [set() for _ in expressions]
        queries, params = [], []
        for index, expression in enumerate(expressions):
            if expression:
                queries.append(
                    f"SELECT {index}, item_id FROM publishing_library_search "
                    "WHERE search_vector @@ %s::tsquery"
                )
                params.append(loosen(expression))
        if queries:
            cursor.execute(" UNION ALL ".join(queries), params)
            for index, item_id in cursor.fetchall():
                sets[index].add(item_id)
        for index, expression in enumerate(expressions):
            if expression and expression != loosen(expression) and sets[index]:
                if len(sets[index]) <= self.PHRASE_EXACT:
                    cursor.execute(
                        "SELECT item_id FROM publishing_library_search "
                        "WHERE item_id = ANY(%s) AND search_vector @@ %s::tsquery",
                        [list(sets[index]), expression],
                    )
                    sets[index] = {row[0] for row in cursor.fetchall()}
        return sets

    def head_matches(self, cursor, expression: str) -> set[int]:
        """Items matching the query in their title, summary or themes (GIN only)."""
        cursor.execute(
            "SELECT item_id FROM publishing_library_search WHERE head_vector @@ %s::tsquery",
            [loosen(expression)],
        )
        return {row[0] for row in cursor.fetchall()}

    def rank_ids(self, cursor, expression, ids, limit):
        if not ids:
            return []
        cursor.execute(
            "SELECT item_id, ts_rank_cd(search_vector, %s::tsquery, 1) AS score "
            "FROM publishing_library_search WHERE item_id = ANY(%s) "
            "ORDER BY score DESC, item_id DESC LIMIT %s",
            [expression, list(ids), limit],
        )
        return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def ranked(self, cursor, expression, filters, limit, size=0):
        where, params = "search_vector @@ %s::tsquery", [expression]
        if filters.active:
            extra_sql, extra = filters.sql()
            where += f" AND {extra_sql}"
            params += extra
        cursor.execute(
            "SELECT item_id, ts_rank_cd(search_vector, %s::tsquery, 1) AS score "
            f"FROM publishing_library_search WHERE {where} "
            "ORDER BY score DESC, item_id DESC LIMIT %s",
            [expression, *params, limit],
        )
        return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def raw(self, cursor, expression, limit=10):
        cursor.execute(
            "SELECT item_id, ts_rank_cd(search_vector, %s::tsquery, 1) AS score "
            "FROM publishing_library_search WHERE search_vector @@ %s::tsquery "
            "ORDER BY score DESC LIMIT %s",
            [expression, expression, limit],
        )
        return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def snippets(self, cursor, expression, ids, alternatives):
        if not ids or not expression:
            return {}
        cursor.execute(
            "SELECT item_id, left(body, %s), summary FROM publishing_library_text "
            "WHERE item_id = ANY(%s)",
            [HEADLINE_FETCH, list(ids)],
        )
        rows = cursor.fetchall()
        pattern = passage_pattern(alternatives)
        ids_in_order = [row[0] for row in rows]
        passages = [best_passage(row[1] or "", pattern) for row in rows]
        summaries = [row[2] or "" for row in rows]
        cursor.execute(
            f"SELECT ts_headline('{self.CONFIG}', p, %s::tsquery, %s), "
            f"ts_headline('{self.CONFIG}', s, %s::tsquery, %s) "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS u(p, s, n) ORDER BY n",
            [expression, self.HEADLINE_OPTIONS, expression, self.SUMMARY_OPTIONS, passages,
             summaries],
        )  # fmt: skip
        result = {}
        for item_id, body, row in zip(ids_in_order, passages, cursor.fetchall(), strict=True):
            headline = row[0] or ""
            plain = headline.replace(MARK_START, "").replace(MARK_END, "").strip()
            if plain and not body.lstrip("… ").startswith(plain[:20]):
                headline = "…" + headline
            if plain and not plain.endswith((".", "!", "?")):
                headline += "…"
            result[item_id] = (headline, row[1] or "")
        return result


def backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"Library search does not support {connection.vendor}")
