"""Keeping the database's query planner informed.

Lists page and sort on indexes, but SQLite picks between indexes only as well as its statistics
let it: with none, it guessed that the actions table was best read through an unrelated index
and sorted 50,000 rows for the agency order (310 ms) where, after `ANALYZE`, it walks the
agencies by name and each agency's actions by index (0.04 ms). `update_statistics()` refreshes
them; the daily `database-statistics` job runs it, and the benchmark data loader after loading.
PostgreSQL's autovacuum analyses by itself; an explicit `ANALYZE` there is harmless.
"""

from __future__ import annotations

import logging

from django.db import connection
from django_tasks import task

logger = logging.getLogger(__name__)

# Rows SQLite samples per index: approximate statistics, so the job takes well under a second
# even on a large partnership's database.
SQLITE_ANALYSIS_LIMIT = 2000


def update_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    logger.info("Database statistics updated")


@task()
def update_statistics_task(for_date: str) -> None:
    update_statistics()
