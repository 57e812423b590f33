"""The library search index: SQLite FTS5 or PostgreSQL full-text search, chosen by the engine.

Raw tables (not Django models) kept by `sightline.publishing.search`:

SQLite
    publishing_library_fts      FTS5(title, summary, themes, body), porter stemming, rowid =
                                LibraryItem.id, bm25 column weights 5/2/2/1 as the rank
    publishing_library_doc      facet fields per indexed item (filters never read long text)
PostgreSQL
    publishing_library_search   facet fields, search_vector (title A, summary and themes B,
                                body C; 'english') and head_vector (A and B only), each with
                                a GIN index; a narrow table, vectors stored out of line
    publishing_library_text     the indexed text (snippets, vocabulary upkeep)
Both
    publishing_library_vector   one embedding per indexed item (float32, little-endian)
    publishing_search_term      index vocabulary with document frequencies (spelling)
    publishing_search_state     a token changed on every index write (cache invalidation)

No foreign keys point at Django's tables, so flushing test databases is unaffected; searches
always re-check items against LibraryItem before showing them.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE publishing_library_fts USING fts5("
    "title, summary, themes, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO publishing_library_fts (publishing_library_fts, rank) "
    "VALUES ('rank', 'bm25(5.0, 2.0, 2.0, 1.0)')",
    "CREATE TABLE publishing_library_doc ("
    "item_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, year INTEGER NULL, "
    "review_type TEXT NOT NULL DEFAULT '', theme_slugs TEXT NOT NULL DEFAULT '', "
    "published TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE publishing_library_vector (item_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)",
    "CREATE TABLE publishing_search_term (term TEXT PRIMARY KEY, df INTEGER NOT NULL) "
    "WITHOUT ROWID",
    "CREATE TABLE publishing_search_state (id INTEGER PRIMARY KEY, token TEXT NOT NULL)",
    "INSERT INTO publishing_search_state (id, token) VALUES (1, 'new')",
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS publishing_library_fts",
    "DROP TABLE IF EXISTS publishing_library_doc",
    "DROP TABLE IF EXISTS publishing_library_vector",
    "DROP TABLE IF EXISTS publishing_search_term",
    "DROP TABLE IF EXISTS publishing_search_state",
]

POSTGRESQL = [
    # Narrow: matching reads only GIN indexes and these small rows.
    "CREATE TABLE publishing_library_search ("
    "item_id bigint PRIMARY KEY, kind varchar(20) NOT NULL, year integer NULL, "
    "review_type varchar(40) NOT NULL DEFAULT '', theme_slugs text NOT NULL DEFAULT '', "
    "published varchar(10) NOT NULL DEFAULT '', search_vector tsvector NOT NULL, "
    "head_vector tsvector NOT NULL)",
    # Out of line and uncompressed: never read when matching, cheap to read when ranking.
    "ALTER TABLE publishing_library_search ALTER COLUMN search_vector SET STORAGE EXTERNAL",
    "ALTER TABLE publishing_library_search ALTER COLUMN head_vector SET STORAGE EXTERNAL",
    "CREATE INDEX publishing_library_search_vector_gin "
    "ON publishing_library_search USING gin (search_vector)",
    "CREATE INDEX publishing_library_search_head_gin "
    "ON publishing_library_search USING gin (head_vector)",
    "CREATE TABLE publishing_library_text ("
    "item_id bigint PRIMARY KEY, title text NOT NULL, summary text NOT NULL, "
    "themes text NOT NULL, body text NOT NULL)",
    "CREATE TABLE publishing_library_vector (item_id bigint PRIMARY KEY, embedding bytea NOT NULL)",
    "CREATE TABLE publishing_search_term (term varchar(40) PRIMARY KEY, df integer NOT NULL)",
    "CREATE TABLE publishing_search_state (id integer PRIMARY KEY, token varchar(64) NOT NULL)",
    "INSERT INTO publishing_search_state (id, token) VALUES (1, 'new')",
]
POSTGRESQL_DROP = [
    "DROP TABLE IF EXISTS publishing_library_search",
    "DROP TABLE IF EXISTS publishing_library_text",
    "DROP TABLE IF EXISTS publishing_library_vector",
    "DROP TABLE IF EXISTS publishing_search_term",
    "DROP TABLE IF EXISTS publishing_search_state",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)
    else:
        raise NotImplementedError(f"The library search does not support {vendor}.")


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [("publishing", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
