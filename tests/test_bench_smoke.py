"""The benchmark's own parts, small and quick: the ten-year data set at a small scale (valid,
consistent records), the floor view, the page timer, the load generator against a live server
with real sign-ins and form saves, and the checks' summary line. bench/run.py runs them at full
size (`make bench`)."""

import asyncio
import importlib.util
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import include, path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str, file: Path):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _floor_view(request):
    from bench.floor import floor

    return floor(request)


# This module is also the URL configuration of the tests that need the floor view.
urlpatterns = [path("bench/floor", _floor_view), path("", include("config.urls"))]


@pytest.mark.django_db
def test_floor_view_is_absent_unless_switched_on(client):
    assert client.get("/bench/floor").status_code == 404


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_floor_view_is_one_query_for_25_rows(client, agency_factory, django_assert_num_queries):
    for n in range(30):
        agency_factory(name=f"Agency {n:02d}")
    with django_assert_num_queries(1):
        response = client.get("/bench/floor")
    assert response.status_code == 200
    assert response.content.count(b"<li>") == 25


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=__name__, SIGHTLINE_MFA_REQUIRED=False)
def test_small_data_set_is_consistent_and_the_load_generator_drives_it(
    live_server, tmp_path, monkeypatch
):
    import random

    from sightline.accounts.models import Membership, User
    from sightline.actions.models import Action, ActionStatus, ActionUpdate
    from sightline.core.demo import seed_scale
    from sightline.reviews import demo_scale as reviews_scale
    from sightline.reviews.models import Case, CaseStage, LocalReview, RapidReview

    # A case at a few points is enough here; `make bench` makes one at every point.
    few = ("concern", "returns_requested", "sent_to_panel", "tor_agreed", "alternative_closed")
    monkeypatch.setattr(reviews_scale, "TEMPLATES", {k: reviews_scale.TEMPLATES[k] for k in few})
    search_bench = _load("search_bench", BENCH / "search_bench.py")
    catalogue = tmp_path / "catalogue.jsonl"
    search_bench.generate(catalogue, 20, 2000, 7)
    seed_scale(0.01, random.Random(1), str(catalogue))

    # Every stage is there, and each case's records agree with its stage.
    stages = set(Case.objects.values_list("stage", flat=True))
    assert {CaseStage.CONCERN, CaseStage.RAPID_REVIEW, CaseStage.LOCAL_REVIEW,
            CaseStage.CLOSED} <= stages  # fmt: skip
    for case in Case.objects.select_related("rapid_review", "local_review", "notification"):
        assert hasattr(case, "notification")
        if case.stage in (CaseStage.LOCAL_REVIEW, CaseStage.READY_FOR_PUBLICATION):
            assert case.local_review.status != LocalReview.Status.CLOSED
        if case.stage == CaseStage.RAPID_REVIEW:
            assert case.rapid_review.status != RapidReview.Status.DECIDED
        assert (case.stage == CaseStage.CLOSED) == (case.closed_at is not None)
    # Actions: valid plans, owners who work for the owner agency, the fields a status needs.
    actions = Action.objects.select_related("owner", "plan")
    assert actions.count() >= 500
    for action in actions.filter(owner__isnull=False)[:200]:
        assert Membership.objects.filter(user=action.owner, agency=action.owner_agency_id).exists()
    assert not actions.filter(status=ActionStatus.SIGNED_OFF, signed_off_at__isnull=True).exists()
    assert not actions.filter(status=ActionStatus.CARRIED_FORWARD, carried_to__isnull=True).exists()
    for update in ActionUpdate.objects.select_related("action")[:300]:
        assert update.on_date >= update.action.created_at.date() - timedelta(days=1)
    assert User.objects.count() >= 20

    # The page timer and the load generator, against a live server.
    run = _load("bench_run", BENCH / "run.py")
    load = sys.modules["load"]
    port = live_server.url.rsplit(":", 1)[1]
    host = "127.0.0.1"  # the live server listens on localhost; the load generator wants an IP
    session = run.sign_in(live_server.url, 10)
    anonymous = run.requests.Session()
    args = run.parse_args(["--requests", "3", "--warmup", "1"])
    page = run.measure_page(session, anonymous, live_server.url, "/app/actions/all/", args)
    assert page["status"] == 200
    assert len(page["samples_ms"]) == 3
    assert page["ratio"] > 0

    targets = _load("bench_manage", BENCH / "manage_bench.py").cmd_targets(
        type("A", (), {"users": 4})
    )
    people = [p for p in targets["people"] if p["actions"]][:3]
    assert people

    async def drive():
        signed = [await load.sign_in(host, int(port), p, run.PASSWORD, 10) for p in people]
        runner = load.Runner(host, int(port), signed, targets["library_items"], timeout=10,
                             seed=1, day=run.date_today())  # fmt: skip
        peak = await load.open_loop(runner, {"signed-in": 4, "public": 4}, 2)
        # One save through the real form: fetched, filled in from its HTML, posted.
        monkeypatch.setattr(load, "WRITE_SHARE", 1.0)
        writer = load.Runner(host, int(port), signed[:1], [], timeout=10, seed=5,
                             day=run.date_today())  # fmt: skip
        signed[0].writes = ["progress"]
        await writer.signed_in(time.perf_counter())
        floor = await load.closed_loop(
            load.Runner(host, int(port), [], [], timeout=10, seed=2, day=run.date_today()),
            "floor", 2, 1,
        )  # fmt: skip
        return peak, writer, floor

    before = ActionUpdate.objects.count()
    peak, writer, floor = asyncio.run(drive())
    assert peak["signed-in"]["requests"] > 0
    assert peak["public"]["requests"] > 0
    assert peak["signed-in"]["errors"] == 0, peak["signed-in"]["error_kinds"]
    assert [(s.what, s.status, s.error) for s in writer.stats.samples] == [
        ("progress form", 200, ""),
        ("progress save", 302, ""),
    ]
    saved_at_peak = peak["by_page"].get("signed-in: progress save", {}).get("n", 0)
    assert ActionUpdate.objects.count() == before + saved_at_peak + 1
    assert floor["floor"]["ok_per_second"] > 0


def test_summary_line_counts_the_checks(capsys):
    run = _load("bench_run", BENCH / "run.py")
    result = {
        "engine": "sqlite",
        "build": {"data_seconds": 100.0},
        "pages": [
            {"key": "fast", "p95": 20.0, "ratio": 2.0},
            {"key": "slow", "p95": 250.0, "ratio": 25.0},
            {"key": "broken", "error": "HTTP 500"},
        ],
        "exports": [{"format": "CSV", "error": "", "peak_mb": 90.0, "seconds": 1.0}],
    }
    checks = run.checks_for(result)
    assert [c["pass"] for c in checks] == [True, True, False, False, True]
