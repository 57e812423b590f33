"""Full-text search of the public learning library: one interface over SQLite FTS5 and
PostgreSQL full-text search, with synonyms, spelling correction and an optional offline
embedding model. See `engine` for how a search runs and `backends` for the engines."""

from sightline.publishing.search.engine import (
    Hit,
    SearchPage,
    clear_caches,
    forget_synonyms,
    index_item,
    index_items,
    rebuild_index,
    remove_item,
    search,
)

__all__ = [
    "Hit",
    "SearchPage",
    "clear_caches",
    "forget_synonyms",
    "index_item",
    "index_items",
    "rebuild_index",
    "remove_item",
    "search",
]
