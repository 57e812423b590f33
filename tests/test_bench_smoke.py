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
    from sightline.reviews.models import Case, CaseStage, LocalReview, RapidReview

    generate = _load_generator()
    count = len(generate.RECIPES)
    stages = generate.generate_cases(count)

    assert sum(stages.values()) == count == Case.objects.count()
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
    for stage, made in stages.items():
        assert Case.objects.filter(stage=stage).count() == made
    rr_statuses = set(RapidReview.objects.values_list("status", flat=True))
    assert {RapidReview.Status.OPEN, RapidReview.Status.DECIDED} <= rr_statuses
    assert len(rr_statuses) >= 6
    assert LocalReview.objects.filter(status=LocalReview.Status.TOR_AGREED).exists()
    assert Case.objects.filter(recommendations__actions__isnull=False).exists()
