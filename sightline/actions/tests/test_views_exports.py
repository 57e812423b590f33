"""Action list exports: every format, formulas neutralised, and only what the list shows."""

from __future__ import annotations

import csv
import io
import re

import docx
import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from sightline.accounts.models import Role

pytestmark = pytest.mark.django_db


def read_export(fmt: str, content: bytes) -> str:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return "\n".join("\t".join(row) for row in rows)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for row in sheet.iter_rows(values_only=True)
        )
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


EXPORTS = [
    (page, fmt)
    for page in ("actions:mine", "actions:all")
    for fmt in ("csv", "xlsx", "docx", "pdf")
]


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize(("page", "fmt"), EXPORTS, ids=[f"{p[8:]}-{f}" for p, f in EXPORTS])
def test_export_formats(signed_in_client, make_user, home, page, fmt, make_action):
    user = make_user(Role.BUSINESS_UNIT, agency=home)
    action = make_action(description="Deliver neglect training")

    response = signed_in_client(user).get(reverse(page), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    content = read_export(fmt, response.content)
    assert squash(action.reference) in squash(content)
    assert "Deliver neglect training" in content or fmt == "pdf"


def test_csv_export_neutralises_formulas(bu_client, make_action):
    make_action(description='=HYPERLINK("http://evil.example","click")')
    make_action(description="@SUM(A1:A2)")

    response = bu_client.get(reverse("actions:all"), {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    descriptions = sorted(row["Action"] for row in rows)
    assert descriptions == ['\'=HYPERLINK("http://evil.example","click")', "'@SUM(A1:A2)"]


def test_xlsx_export_never_holds_formulas(bu_client, make_action):
    make_action(description="=1+1")
    response = bu_client.get(reverse("actions:all"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=1+1" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_agency_lead_export_has_only_their_agencys_actions(lead_client, make_action, away, fmt):
    mine = make_action(description="Our action")
    theirs = make_action(owner_agency=away, description="Their action")

    response = lead_client.get(reverse("actions:mine"), {"format": fmt})

    content = read_export(fmt, response.content)
    assert mine.reference in content
    assert theirs.reference not in content
    assert "Their action" not in content


def test_all_actions_export_follows_the_filters(bu_client, filter_world, away):
    response = bu_client.get(reverse("actions:all"), {"format": "csv", "agency": away.pk})
    content = read_export("csv", response.content)
    assert filter_world["away_complete"].reference in content
    assert filter_world["home_open"].reference not in content


def test_unknown_export_format_is_not_found(bu_client):
    assert bu_client.get(reverse("actions:all"), {"format": "exe"}).status_code == 404
    assert bu_client.get(reverse("actions:mine"), {"format": ""}).status_code == 404
