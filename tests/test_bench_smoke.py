"""The benchmark's case generator (bench/generate.py) still drives the reviews services: a quick
run on the test database makes cases at several stages. No server is started."""

import importlib.util
import sys
from pathlib import Path

import pytest

GENERATE = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_generator_makes_cases_at_several_stages():
    from sightline.core.demo import seed_base
    from sightline.reviews.models import Case, CaseStage, LocalReview, RapidReview

    generate = _load_generator()
    seed_base()  # the demo partnership, with its own cases; the generator adds to it
    before = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    count = len(generate.RECIPES)
    stages = generate.generate_cases(count)

    made = Case.objects.filter(pk__gt=before)
    assert sum(stages.values()) == count == made.count()
    expected = {
        CaseStage.CONCERN,
        CaseStage.NOT_NOTIFIED,
        CaseStage.RAPID_REVIEW,
        CaseStage.DECISION,
        CaseStage.NATIONAL_REVIEW,
        CaseStage.ALTERNATIVE_LEARNING,
        CaseStage.LOCAL_REVIEW,
        CaseStage.CLOSED,
    }
    assert set(stages) == expected
    for stage, number in stages.items():
        assert made.filter(stage=stage).count() == number
    rr_statuses = set(RapidReview.objects.filter(case__in=made).values_list("status", flat=True))
    assert {RapidReview.Status.OPEN, RapidReview.Status.DECIDED} <= rr_statuses
    assert len(rr_statuses) >= 6
    assert LocalReview.objects.filter(case__in=made, status=LocalReview.Status.TOR_AGREED).exists()
    assert made.filter(recommendations__actions__isnull=False).exists()


def test_comparison_flags_a_query_count_that_grows():
    spec = importlib.util.spec_from_file_location("bench_run", GENERATE.parent / "run.py")
    run = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = run
    spec.loader.exec_module(run)

    def scale(number, queries):
        pages = [{"queries": queries.get(key, 10), "p50": 1.0} for key, _ in run.PAGES]
        return {"scale": number, "pages": pages}

    rows = run.compare([scale(1, {}), scale(5, {"cases": 60})])

    assert [r["key"] for r in rows if r["grows"]] == ["cases"]
    assert rows[[k for k, _ in run.PAGES].index("cases")]["queries"] == {"1": 10, "5": 60}
