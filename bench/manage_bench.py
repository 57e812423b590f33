"""Django-side steps of the benchmark, run by bench/run.py against the benchmark's database.

    python bench/manage_bench.py generate --cases N
        make N review cases through the reviews services (bench/generate.py); prints JSON
        {"stages": {stage: count}}
    python bench/manage_bench.py refs
        prints JSON {"action": reference, "case": reference, "counts": {...}}: the pages to
        open as "one action" and "one case" (the same records at every scale), and how many
        rows the main tables hold
    python bench/manage_bench.py queries --email EMAIL PATH [PATH ...]
        opens each page in-process with Django's test client, signed in as EMAIL, and prints
        JSON {path: {"status": int, "queries": int}}

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


def cmd_generate(args) -> dict:
    from generate import generate_cases

    return {"stages": generate_cases(args.cases)}


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
    return {
        "action": action.reference if action else None,
        "case": case.reference if case else None,
        "counts": _counts(),
    }


def _counts() -> dict[str, int]:
    """How much data the benchmark's database holds."""
    from sightline.accounts.models import Agency, User
    from sightline.actions.models import Action, ActionPlan, ActionUpdate
    from sightline.core.models import Notification
    from sightline.reviews.models import Case

    return {
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "action_plans": ActionPlan.objects.count(),
        "actions": Action.objects.count(),
        "action_updates": ActionUpdate.objects.count(),
        "cases": Case.objects.count(),
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
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = _signed_in_client(args.email)
    results = {}
    for path in args.paths:
        first = client.get(path)
        counts, status = [], first.status_code
        if status == 200:
            for _ in range(COUNT_REPEATS):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                status = response.status_code if response.status_code != 200 else status
                counts.append(len(captured.captured_queries))
        results[path] = {
            "status": status,
            "queries": min(counts) if counts else None,
            "location": first.get("Location", ""),
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--cases", type=int, required=True)
    sub.add_parser("refs")
    queries = sub.add_parser("queries")
    queries.add_argument("--email", required=True)
    queries.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    _setup()
    result = {"generate": cmd_generate, "refs": cmd_refs, "queries": cmd_queries}[args.command](
        args
    )
    # The last line of output is the JSON result; anything printed before it is logging.
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
