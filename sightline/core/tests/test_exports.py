"""Exports: every format reads back, and formula payloads never become formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import threading
import zipfile
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import docx
import openpyxl
import pytest
from django.conf import settings
from django.http import Http404
from django.utils import timezone
from pypdf import PdfReader

from sightline.core import exports
from sightline.core.exports import (
    EXPORT_FORMATS,
    Table,
    docx_document,
    export_response,
    render_pdf,
    safe_cell,
    to_csv,
    to_docx,
    to_pdf,
    to_xlsx,
)
from sightline.core.models import Event

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|'/C calc'!A0", "@SUM(1+1)", "-1+2"]
COLUMNS = ["Reference", "Note", "Due", "Count", "Closed", "Updated"]
UPDATED = dt.datetime(2026, 3, 5, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def export_request(rf, make_user):
    request = rf.get("/app/test-list/", {"status": "open", "format": "csv"})
    request.user = make_user()
    return request


def make_table(rows=None, columns=None) -> Table:
    if rows is None:
        rows = [
            ["AP-001", "Canary cell text", dt.date(2026, 3, 5), 3, False, UPDATED],
            *[[f"AP-P{i}", payload, None, Decimal("-1.5"), True, None] for i, payload in
              enumerate(PAYLOADS)],
        ]  # fmt: skip
    return Table(
        title="Overdue actions", columns=columns or COLUMNS, rows=rows, subtitle="Northvale"
    )


# --------------------------------------------------------------------------- safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("\n =cmd", "'\n =cmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-1, -1),
        (Decimal("2.50"), Decimal("2.50")),
        (True, "Yes"),
        (dt.date(2026, 3, 5), "2026-03-05"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_datetime_is_iso_in_london_time():
    assert safe_cell(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)) == "2026-07-01T10:00:00+01:00"


# --------------------------------------------------------------------------- CSV


def test_csv_reads_back_with_formulas_neutralised():
    body = to_csv(make_table())
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == COLUMNS
    assert rows[1] == [
        "AP-001",
        "Canary cell text",
        "2026-03-05",
        "3",
        "No",
        "2026-03-05T14:30:00+00:00",
    ]
    notes = [row[1] for row in rows[2:]]
    assert notes == [f"'{payload}" for payload in PAYLOADS]
    assert rows[2][2] == ""
    assert rows[2][3] == "-1.5"  # numbers are numbers, not escaped text


def test_csv_columns_are_neutralised_too():
    body = to_csv(make_table(rows=[], columns=["=evil()", "Name"]))
    assert body.decode("utf-8-sig").splitlines()[0] == "'=evil(),Name"


# --------------------------------------------------------------------------- Excel


def test_xlsx_reads_back_as_text_never_formulas():
    body = to_xlsx(make_table())
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    sheet = workbook.active
    assert sheet.title == "Overdue actions"
    assert [cell.value for cell in sheet[1]] == COLUMNS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= len("Canary cell text")
    for row, payload in zip(sheet.iter_rows(min_row=3), PAYLOADS, strict=True):
        assert row[1].value == f"'{payload}"
        assert row[1].data_type == "s"
        assert row[3].value == -1.5
    assert sheet["C2"].is_date
    assert sheet["C2"].value == dt.datetime(2026, 3, 5)
    assert sheet["F2"].value == dt.datetime(2026, 3, 5, 14, 30)  # London time, no zone
    assert sheet["E2"].value == "No"
    assert workbook.properties.creator == "Sightline"
    assert workbook.properties.title == "Overdue actions"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert not re.search(rb"<f[ >]", sheet_xml)


def test_xlsx_strips_characters_excel_refuses():
    body = to_xlsx(make_table(rows=[["bell\x07", "nul\x00x", None, 1, False, None]]))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert (sheet["A2"].value, sheet["B2"].value) == ("bell", "nulx")


def test_xlsx_sheet_title_is_made_valid():
    table = Table(title="Actions: [all]/open?*" + "x" * 40, columns=["A"], rows=[])
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert len(sheet.title) <= 31
    assert not set("[]:*?/\\") & set(sheet.title)


def test_rows_may_be_a_generator():
    table = make_table(rows=(["AP-9", "From a generator", None, 1, False, None] for _ in range(3)))
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet.max_row == 4


# --------------------------------------------------------------------------- Word


def test_docx_reads_back_with_title_subtitle_and_table():
    document = docx.Document(io.BytesIO(to_docx(make_table())))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[:2] == ["Overdue actions", "Northvale"]
    assert document.paragraphs[0].style.name == "Heading 1"
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == COLUMNS
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    assert [cell.text for cell in table.rows[1].cells] == [
        "AP-001",
        "Canary cell text",
        "5 March 2026",
        "3",
        "No",
        "5 March 2026 at 2:30pm",
    ]
    assert table.rows[2].cells[1].text == PAYLOADS[0]
    assert document.core_properties.title == "Overdue actions"
    assert document.core_properties.author == "Sightline"
    assert document.core_properties.comments == ""
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # header repeats on each page


def test_wide_docx_tables_are_landscape():
    columns = [f"Column {i}" for i in range(9)]
    document = docx.Document(io.BytesIO(to_docx(make_table(rows=[], columns=columns))))
    section = document.sections[0]
    assert section.page_width > section.page_height
    assert "There is nothing to show." in [p.text for p in document.paragraphs]


def test_docx_document_builds_sections():
    body = docx_document(
        "Rapid review: Child R",
        [
            ("Summary", ["First paragraph.", "Second paragraph."]),
            ("Learning", ["Escalate early."]),
        ],
        subtitle="For the National Panel",
    )
    document = docx.Document(io.BytesIO(body))
    texts = [(p.style.name, p.text) for p in document.paragraphs]
    assert texts == [
        ("Heading 1", "Rapid review: Child R"),
        ("Normal", "For the National Panel"),
        ("Heading 2", "Summary"),
        ("Normal", "First paragraph."),
        ("Normal", "Second paragraph."),
        ("Heading 2", "Learning"),
        ("Normal", "Escalate early."),
    ]
    assert document.core_properties.title == "Rapid review: Child R"
    assert document.core_properties.author == "Sightline"
    assert document.sections[0].page_width < document.sections[0].page_height


# --------------------------------------------------------------------------- PDF


def test_pdf_reads_back_with_title_and_cells():
    body = to_pdf(make_table())
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Overdue actions" in text
    assert "Canary cell text" in text
    assert "5 March 2026" in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root  # tagged for screen readers
    assert reader.metadata.title == "Overdue actions"
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 portrait


def test_wide_pdf_tables_are_landscape():
    columns = [f"Column {i}" for i in range(9)]
    reader = PdfReader(io.BytesIO(to_pdf(make_table(rows=[], columns=columns))))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    assert "There is nothing to show." in page.extract_text()


LONG_TEXT = (
    "Agencies will check that every referral about a baby under one names the person who looks "
    "after the baby most of the time, and record it in the strategy discussion."
)
ACTIONS_COLUMNS = [
    "Reference",
    "Plan",
    "Lesson or finding",
    "Action",
    "What is expected to change",
    "Owner agency",
    "Owner",
    "Due date",
    "Status",
    "Overdue",
    "Themes",
    "Impact statement",
]


def wide_list(rows: int = 4, **changes) -> Table:
    """A list as wide as the actions export: references, names and dates beside long text."""
    row = {
        "Reference": "SI-2026-0001",
        "Plan": "Child A learning plan",
        "Lesson or finding": LONG_TEXT,
        "Action": LONG_TEXT,
        "What is expected to change": LONG_TEXT,
        "Owner agency": "Northvale Hospitals NHS Foundation Trust",
        "Owner": "Dr Asha Rao",
        "Due date": dt.date(2026, 9, 30),
        "Status": "In progress",
        "Overdue": False,
        "Themes": "Neglect, Domestic abuse",
        "Impact statement": LONG_TEXT,
        **changes,
    }
    return Table(title="Actions", columns=ACTIONS_COLUMNS, rows=[list(row.values())] * rows)


def pdf_pages(table: Table) -> list:
    return PdfReader(io.BytesIO(to_pdf(table))).pages


def text_starts(page) -> list[float]:
    """Where each piece of text on the page starts, from the left edge, in points."""
    starts = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            starts.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

    page.extract_text(visitor_text=visit)
    return starts


def test_wide_pdf_lists_keep_references_names_and_dates_whole_and_on_the_page():
    pages = pdf_pages(wide_list())

    text = "\n".join(page.extract_text() for page in pages)
    for whole in ("SI-2026-0001", "Dr Asha Rao", "30 September 2026", "In progress"):
        assert text.count(whole) == 4, whole
    # Headers and long text wrap between words, never inside one.
    words = set(text.split())
    assert {"Reference", "Impact", "statement", "referral", "discussion."} <= words
    assert {"Foundation", "Northvale", "Hospitals"} <= words
    for page in pages:
        assert page.mediabox.width > page.mediabox.height  # landscape
        assert max(text_starts(page)) < float(page.mediabox.width) - 30


def test_a_narrow_list_stays_portrait_and_keeps_its_cells_whole():
    table = Table(
        title="Cases",
        columns=["Case", "Owner", "Due"],
        rows=[["SI-2026-0001", "Dr Asha Rao", dt.date(2026, 12, 29)]],
    )

    [page] = pdf_pages(table)

    assert page.mediabox.width < page.mediabox.height
    assert "SI-2026-0001 Dr Asha Rao 29 December 2026" in page.extract_text()


def test_a_word_too_long_for_any_column_is_the_only_thing_broken():
    address = "https://www.example.org/" + "a-very-long-path-segment/" * 6
    pages = pdf_pages(wide_list(**{"Impact statement": f"See {address} for more."}))

    text = "\n".join(page.extract_text() for page in pages)
    assert address not in text  # broken, as the last resort
    assert address in text.replace("\n", "")
    assert text.count("SI-2026-0001") == text.count("Dr Asha Rao") == 4
    for page in pages:
        assert max(text_starts(page)) < float(page.mediabox.width) - 30


def test_pdf_escapes_markup_in_cells():
    body = to_pdf(make_table(rows=[["<b>x</b>", "<script>alert(1)</script>", None, 1, 0, None]]))
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "<script>alert(1)</script>" in text


class _CountingHandler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 - the name http.server calls
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_render_pdf_makes_no_network_requests(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    html = (
        f'<html lang="en-GB"><head><title>T</title><link rel="stylesheet" href="{url}/a.css">'
        f"<style>@import url({url}/b.css); body {{ background: url({url}/c.png) }}</style>"
        f'</head><body><h1>Hello</h1><img src="{url}/d.png" alt="d"></body></html>'
    )
    monkeypatch.setattr(exports, "render_to_string", lambda name, context: html)
    try:
        body = render_pdf("unused.html", {})
    finally:
        server.shutdown()
        server.server_close()
    assert body.startswith(b"%PDF-")
    assert _CountingHandler.hits == 0


def test_pdf_fetcher_reads_only_asset_folders(tmp_path):
    asset = tmp_path / "logo.svg"
    asset.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
    fetcher = exports._local_fetcher(str(tmp_path))
    assert fetcher.fetch(asset.as_uri()) is not None
    assert fetcher.fetch("data:text/plain,hello") is not None
    with pytest.raises(ValueError, match="asset folders"):
        fetcher.fetch(Path("/etc/hostname").as_uri())
    with pytest.raises(ValueError, match="asset folders"):
        fetcher.fetch((tmp_path / ".." / ".." / "etc" / "passwd").as_uri())
    for url in ("http://127.0.0.1/x", "https://example.com/x", "ftp://example.com/x"):
        with pytest.raises(ValueError, match="Network"):
            fetcher.fetch(url)


def test_importing_exports_does_not_load_weasyprint():
    code = (
        "import django, sys; django.setup(); import sightline.core.exports; "
        "print('weasyprint' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK",
        ),
        ("pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_export_response(fmt, content_type, magic, export_request):
    response = export_response(export_request, make_table(), fmt, "overdue-actions-2026-03-05")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="overdue-actions-2026-03-05.{fmt}"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(magic)


def test_every_export_is_recorded_with_who_which_list_the_filters_and_the_row_count(rf, make_user):
    request = rf.get(
        "/app/actions/all/",
        {"status": "open", "theme": ["3", "4"], "agency": "", "format": "pdf", "page": "2"},
    )
    request.user = make_user()
    rows = ([f"AP-{n:03d}", "Note", None, n, False, None] for n in range(7))  # a generator

    export_response(request, make_table(rows=rows), "pdf", "actions")

    event = Event.objects.get(action="export.list")
    assert (event.kind, event.actor, event.object_type, event.object_id) == (
        Event.Kind.READ,
        request.user,
        "list",
        "/app/actions/all/",
    )
    assert event.changes == {
        "list": [None, "Overdue actions"],
        "format": [None, "pdf"],
        "filters": [None, {"status": ["open"], "theme": ["3", "4"]}],
        "rows": [None, 7],
    }


def test_export_formats_lists_the_four():
    assert set(EXPORT_FORMATS) == {"csv", "xlsx", "docx", "pdf"}


@pytest.mark.parametrize("fmt", ["html", "", None, "../csv", "CSV "])
def test_unknown_format_is_a_404(fmt, export_request):
    with pytest.raises(Http404):
        export_response(export_request, make_table(), fmt, "x")
    assert not Event.objects.filter(action="export.list").exists()


def test_filename_stem_is_cleaned(export_request):
    response = export_response(
        export_request, make_table(), "csv", '../../etc/"passwd"\r\nX-Evil: 1'
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert not set("\r\n/") & set(disposition)
    assert disposition.endswith('.csv"')


def test_display_values_use_london_time():
    summer = timezone.make_aware(dt.datetime(2026, 7, 1, 9, 5), dt.UTC)
    assert exports.display_value(summer) == "1 July 2026 at 10:05am"
