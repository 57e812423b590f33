"""Who may download a plan's files: a replaced draft is for the business unit only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from sightline.core.access import document_for_user
from sightline.publishing import services
from sightline.publishing.tests.test_plans_support import (
    CHILD_NAME,
    approve_by,
    fresh,
    pdf_bytes,
    ready_plan,
    submit,
)

pytestmark = pytest.mark.django_db


def _upload(plan, world, lines):
    data = pdf_bytes(lines)
    return services.plan_attach_document(
        plan=plan,
        by=world.bu,
        uploaded_file=SimpleUploadedFile("report.pdf", data, content_type="application/pdf"),
        expected_version=fresh(plan).version,
    )


def test_a_replaced_draft_is_for_the_business_unit_only(world):
    plan = ready_plan(world)
    plan = _upload(plan, world, ["Overview report", f"{CHILD_NAME} was seen at home."])
    first = fresh(plan).document
    plan = _upload(fresh(plan), world, ["Overview report", "The child was seen at home."])
    current = fresh(plan).document
    plan = submit(world, fresh(plan))
    approve_by(fresh(plan), world.approvers["council"], world.approvers["icb"])

    partner = world.approvers["council"]
    assert document_for_user(partner, current.pk) == current
    with pytest.raises(Http404):
        document_for_user(partner, first.pk)
    with pytest.raises(Http404):
        document_for_user(world.p.scrutineer, first.pk)
    assert document_for_user(world.bu, first.pk) == first
