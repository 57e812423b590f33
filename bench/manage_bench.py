"""Django-side steps of the benchmark, run by bench/run.py against the benchmark's database.

    python bench/manage_bench.py build --scale S [--catalogue FILE]
        migrate, `seed_demo --scale S` and collectstatic in one process; prints JSON
        {"seconds": {...}, "counts": {...}}. On SQLite the build runs with synchronous=OFF
        (the data is thrown away if the machine stops; the server then runs with the
        settings' own pragmas)
    python bench/manage_bench.py targets --users N
        prints JSON: the people the load profiles sign in as, with the pages and the forms
        (progress updates, return saves, acknowledgements) each may use
    python bench/manage_bench.py refs
        prints JSON {"action": reference, "case": reference, "counts": {...}}: the pages to
        open as "one action" and "one case" (the same records at every scale), and how many
        rows the main tables hold
    python bench/manage_bench.py queries --email EMAIL PATH [PATH ...]
        opens each page in-process with Django's test client, signed in as EMAIL, and prints
        JSON {path: {"status": int, "queries": int, "slowest": [...], "plan": [...]}}: the
        slowest queries with their time, and the database's plan for the slowest one

The settings come from the environment, as for manage.py (run.py sets SIGHTLINE_VAR_DIR and the
demo variables).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
# How many times a page is opened while counting queries, after one uncounted opening. The
# smallest count is kept: a session write (the idle-timeout stamp, once a minute) is not the
# page's own work.
COUNT_REPEATS = 3


def _setup() -> None:
    for path in (str(ROOT), str(BENCH)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def cmd_build(args) -> dict:
    import random
    import time

    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.signals import connection_created

    def fast(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")

    connection_created.connect(fast)
    connection.close()
    seconds = {}
    cpu = time.process_time()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    seconds["migrate"] = round(time.perf_counter() - started, 1)
    from django.db import transaction

    from sightline.core.demo import seed_base, seed_scale

    started = time.perf_counter()
    with transaction.atomic():
        seed_base()
    seconds["demo"] = round(time.perf_counter() - started, 1)
    parts = seed_scale(args.scale, random.Random(int(args.scale * 1000)), args.catalogue)
    seconds.update({k: v for k, v in parts.items() if k != "demo"})
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds["analyze"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    call_command("collectstatic", verbosity=0, interactive=False)
    seconds["collectstatic"] = round(time.perf_counter() - started, 1)
    # The processor time this build had: on a shared machine the wall time can be far longer.
    seconds["cpu"] = round(time.process_time() - cpu, 1)
    return {"seconds": seconds, "counts": _counts()}


def cmd_targets(args) -> dict:
    """The signed-in people of the load profiles and what each may open and write."""
    from sightline.accounts.models import Membership, Role
    from sightline.actions.access import actions_visible_to
    from sightline.actions.models import OPEN_STATUSES
    from sightline.learning.models import Briefing, Dissemination
    from sightline.reviews.models import AgencyReturn

    def refs(qs, n=20):
        return list(qs.order_by("-due_date").values_list("reference", flat=True)[:n])

    people = []
    office = Membership.objects.filter(
        role=Role.BUSINESS_UNIT, active=True, user__is_active=True
    ).select_related("user")
    leads = Membership.objects.filter(
        role=Role.AGENCY_LEAD, active=True, user__is_active=True
    ).select_related("user", "agency")
    open_returns = AgencyReturn.objects.filter(
        status=AgencyReturn.Status.REQUESTED, rapid_review__case__archived_at__isnull=True
    ).select_related("rapid_review__case")
    acks = Dissemination.objects.filter(
        briefing__status=Briefing.Status.PUBLISHED, archived_at__isnull=True
    ).select_related("briefing")
    for m in list(office.order_by("pk"))[: max(1, args.users // 4)]:
        user = m.user
        people.append(
            {
                "email": user.email,
                "role": "business_unit",
                "actions": refs(actions_visible_to(user).filter(status__in=OPEN_STATUSES)),
                "returns": [
                    f"/app/reviews/{r.rapid_review.case.reference}/rapid-review/returns/"
                    f"{r.agency_id}/"
                    for r in open_returns[:10]
                ],
                "acknowledgements": [],
            }
        )
    for m in leads.order_by("agency_id", "pk"):
        if len(people) >= args.users:
            break
        user = m.user
        mine = actions_visible_to(user).filter(status__in=OPEN_STATUSES)
        people.append(
            {
                "email": user.email,
                "role": "agency_lead",
                "actions": refs(mine),
                "returns": [
                    f"/app/reviews/{r.rapid_review.case.reference}/rapid-review/returns/"
                    f"{r.agency_id}/"
                    for r in open_returns.filter(agency_id=m.agency_id)[:10]
                ],
                "acknowledgements": [
                    f"/app/briefings/{d.briefing.reference}/acknowledge/{d.pk}/"
                    for d in acks.filter(agency_id=m.agency_id).order_by("-sent_at")[:10]
                ],
            }
        )
    from sightline.publishing.models import LibraryItem

    items = list(
        LibraryItem.objects.filter(is_public=True, removed_at__isnull=True)
        .order_by("?")
        .values_list("slug", flat=True)[:300]
    )
    return {"people": people, "library_items": items}


def cmd_refs(args) -> dict:
    from sightline.actions.models import Action
    from sightline.reviews.models import Case, CaseStage

    # The first demo action (seed_base: progress updates and transitions, no bench volume).
    action = Action.objects.exclude(reference__startswith="ACT-BENCH").order_by("pk").first()
    # The fullest case the generator makes: a local review with lessons, recommendations and
    # actions; any case if there is none.
    case = (
        Case.objects.filter(stage=CaseStage.LOCAL_REVIEW, recommendations__isnull=False)
        .order_by("pk")
        .first()
    ) or Case.objects.order_by("pk").first()
    from sightline.actions.models import Action as A

    pages = max(1, -(-A.objects.filter(archived_at__isnull=True).count() // 50))
    from sightline.publishing.models import LibraryItem

    item = (
        LibraryItem.objects.filter(is_public=True, removed_at__isnull=True).order_by("pk").first()
    )
    from django.db.models import Count

    stages = dict(Case.objects.values_list("stage").annotate(n=Count("id")))
    return {
        "action": action.reference if action else None,
        "case": case.reference if case else None,
        "last_page": pages,
        "item": item.slug if item else None,
        "stages": stages,
        "counts": _counts(),
    }


def _counts() -> dict[str, int]:
    """How much data the benchmark's database holds."""
    from django.db.models import Sum
    from django.db.models.functions import Length

    from sightline.accounts.models import Agency, Membership, User
    from sightline.actions.models import Action, ActionPlan, ActionUpdate
    from sightline.core.models import Notification
    from sightline.learning.models import Briefing, Dissemination
    from sightline.publishing.models import LibraryItem, PublicationPlan
    from sightline.reviews.models import Case
    from sightline.reviews.selectors import OPEN_STAGES

    chars = LibraryItem.objects.aggregate(n=Sum(Length("text")))["n"] or 0
    return {
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "action_plans": ActionPlan.objects.count(),
        "actions": Action.objects.count(),
        "action_updates": ActionUpdate.objects.count(),
        "cases": Case.objects.count(),
        "open_cases": Case.objects.filter(stage__in=OPEN_STAGES).count(),
        "briefings": Briefing.objects.count(),
        "disseminations": Dissemination.objects.count(),
        "publication_plans": PublicationPlan.objects.count(),
        "library_items": LibraryItem.objects.count(),
        "library_characters": chars,
        "notifications": Notification.objects.count(),
    }


def _signed_in_client(email: str):
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sightline.accounts.models import User

    user = User.objects.get(email=email)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if not settings.SIGHTLINE_MFA_REQUIRED:
        # The local demo (as served to the timed run): a password alone signs in, so the session
        # holds no device, exactly like the one signed in over HTTP.
        return client
    # Two-factor required: a verified second factor, as if a code had been entered.
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def cmd_queries(args) -> dict:
    import time

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = _signed_in_client(args.email)
    anonymous = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for path in args.paths:
        browser = anonymous if path.startswith(("/bench/", "/library/")) else client
        first = browser.get(path)
        counts, status, captures, times = [], first.status_code, [], []
        if status == 200:
            for _ in range(COUNT_REPEATS):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = browser.get(path)
                times.append((time.perf_counter() - started) * 1000)
                status = response.status_code if response.status_code != 200 else status
                counts.append(len(captured.captured_queries))
                captures.append(captured.captured_queries)
        slowest = _slowest(captures)
        last = captures[-1] if captures else []
        results[path] = {
            "status": status,
            "queries": min(counts) if counts else None,
            "location": first.get("Location", ""),
            # In-process time of the quickest opening, and its time in the database: the rest
            # is Python (views, templates, the middleware).
            "page_ms": round(min(times), 1) if times else None,
            "sql_ms": round(sum(float(q["time"]) for q in last) * 1000, 1),
            "commit_ms": round(sum(float(q["time"]) for q in last if _is_control(q)) * 1000, 1),
            "slowest": slowest,
            "plan": _plan(connection, slowest[0]["sql"]) if slowest else [],
        }
    return results


def _slowest(captures: list[list[dict]], keep: int = 3) -> list[dict]:
    """The slowest queries of the last opening (by their time in the database driver)."""
    if not captures:
        return []
    reads = [q for q in captures[-1] if not _is_control(q)]
    rows = sorted(reads, key=lambda q: float(q["time"]), reverse=True)[:keep]
    total = sum(float(q["time"]) for q in reads)
    return [
        {
            "ms": round(float(q["time"]) * 1000, 1),
            "share": round(float(q["time"]) / total, 2) if total else 0,
            "sql": q["sql"],
        }
        for q in rows
    ]


def _is_control(query: dict) -> bool:
    """BEGIN, COMMIT, savepoints: the transaction's cost, not a query's."""
    return query["sql"].split(" ", 1)[0].upper() in {
        "BEGIN",
        "COMMIT",
        "SAVEPOINT",
        "RELEASE",
        "ROLLBACK",
    }


def _plan(connection, sql: str) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN ANALYZE (PostgreSQL) of one captured query."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                return [" " * (2 * (row[1] > 0)) + row[-1] for row in cursor.fetchall()]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)
            return [row[0] for row in cursor.fetchall()]
    except Exception as exc:  # a query Django quoted for display only
        return [f"(no plan: {type(exc).__name__}: {exc})"[:300]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("--scale", type=float, required=True)
    build.add_argument("--catalogue", default=None)
    targets = sub.add_parser("targets")
    targets.add_argument("--users", type=int, default=60)
    sub.add_parser("refs")
    queries = sub.add_parser("queries")
    queries.add_argument("--email", required=True)
    queries.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    _setup()
    commands = {
        "build": cmd_build,
        "targets": cmd_targets,
        "refs": cmd_refs,
        "queries": cmd_queries,
    }
    result = commands[args.command](args)
    # The last line of output is the JSON result; anything printed before it is logging.
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
