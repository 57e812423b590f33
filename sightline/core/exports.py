"""Exports: one helper for every downloadable table, plus the PDF and Word builders.

A list view builds a `Table` and returns `export_response(request, table, fmt, stem)`; the formats
are produced here and nowhere else, so every export gets the same protections:

- CSV and Excel: text that a spreadsheet would read as a formula (starting with = + - @, a tab
  or a carriage return, also after leading spaces) is prefixed with an apostrophe
  (ASVS 5.0 1.2.10); Excel cells are always stored as text, never as formulas.
- PDF: rendered by WeasyPrint from a template, tagged (PDF/UA-1), A4, with no network access.
- Every response is an attachment with `Cache-Control: no-store`.
- Every export is recorded in the event log (`export.list`): who, which list (its title and
  address), the filters in the query string, the format and how many rows it held.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from sightline.core.events import record_event
from sightline.core.models import Event
from sightline.core.templatetags.govuk import govuk_date, govuk_datetime

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TEXT_LIMIT = 32_767  # characters Excel keeps in one cell
WIDE_TABLE_COLUMNS = 6  # more columns than this: landscape pages in PDF and Word

PRINT_CSS = """
@page {
  size: A4;
  margin: 18mm 15mm 20mm 15mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; }
}
@page landscape { size: A4 landscape; }
.sl-landscape { page: landscape; }
html {
  font-family: Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  font-size: 11pt;
  line-height: 1.35;
  color: #0b0c0c;
}
h1 { font-size: 20pt; margin: 0 0 8pt; }
h2 { font-size: 15pt; margin: 14pt 0 6pt; break-after: avoid; }
h3 { font-size: 12pt; margin: 12pt 0 4pt; break-after: avoid; }
p { margin: 0 0 8pt; }
a { color: #1d70b8; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 6pt 0 12pt; }
thead { display: table-header-group; }
th, td {
  border: 0.5pt solid #b1b4b6;
  padding: 3pt 4pt;
  text-align: left;
  vertical-align: top;
  overflow-wrap: anywhere;
}
th { background: #f3f2f1; font-weight: bold; }
tr { break-inside: avoid; }
.sl-caption { color: #505a5f; }
.sl-footer { color: #505a5f; font-size: 9pt; margin-top: 12pt; }
"""


@dataclass
class Table:
    """A titled table to export. `rows` may be a generator: each export consumes it once."""

    title: str
    columns: list[str]
    rows: Iterable[Sequence]
    subtitle: str = ""


# --------------------------------------------------------------------------- cell values


def _neutralise(text: str) -> str:
    if text[:1] in FORMULA_TRIGGERS or text.lstrip()[:1] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def safe_cell(value):
    """A CSV-safe cell: numbers as they are, dates in ISO 8601, text never read as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _neutralise(str(value))


def display_value(value) -> str:
    """A cell for people (PDF and Word): GOV.UK dates and times, Yes/No, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return govuk_datetime(value)
    if isinstance(value, dt.date):
        return govuk_date(value)
    return _xml_safe(str(value))


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


# --------------------------------------------------------------------------- formats


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens it with the right encoding."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = [list(row) for row in table.rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(table.title))
    for index, width in enumerate(_column_widths(table.columns, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in table.columns:
        cell = _xlsx_cell(sheet, column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.properties.title = table.title
    workbook.properties.creator = "Sightline"
    workbook.properties.lastModifiedBy = "Sightline"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool)):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    text = _neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))[:XLSX_TEXT_LIMIT]
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip().strip("'")[:31].strip()
    return cleaned or "Export"


def _column_widths(columns: Sequence, rows: list[list]) -> list[float]:
    widths = [len(str(column)) for column in columns]
    for row in rows[:2000]:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], len(str(safe_cell(value))))
    return [min(max(width + 2, 10), 60) for width in widths]


def to_docx(table: Table) -> bytes:
    columns = [str(column) for column in table.columns]
    rows = [[display_value(value) for value in row] for row in table.rows]
    document = _word_document(table.title, landscape=len(columns) > WIDE_TABLE_COLUMNS)
    if table.subtitle:
        document.add_paragraph(_xml_safe(table.subtitle))
    if columns:
        grid = document.add_table(rows=1, cols=len(columns))
        grid.style = "Table Grid"
        _repeat_as_header(grid.rows[0])
        for cell, name in zip(grid.rows[0].cells, columns, strict=True):
            cell.paragraphs[0].add_run(_xml_safe(name)).bold = True
        for row in rows:
            for cell, value in zip(grid.add_row().cells, row, strict=False):
                cell.text = value
    if not rows:
        document.add_paragraph("There is nothing to show.")
    return _docx_bytes(document)


def docx_document(
    title: str, sections: list[tuple[str, list[str]]], *, subtitle: str = ""
) -> bytes:
    """A Word document: the title as heading 1, then each section's heading and paragraphs."""
    document = _word_document(title)
    if subtitle:
        document.add_paragraph(_xml_safe(subtitle))
    for heading, paragraphs in sections:
        document.add_heading(_xml_safe(str(heading)), level=2)
        for paragraph in paragraphs:
            document.add_paragraph(_xml_safe(str(paragraph)))
    return _docx_bytes(document)


def _word_document(title: str, *, landscape: bool = False):
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm

    document = docx.Document()
    now = timezone.now().astimezone(dt.UTC)
    properties = document.core_properties
    properties.title = _xml_safe(title)[:255]
    properties.author = "Sightline"
    properties.last_modified_by = "Sightline"
    properties.comments = ""
    properties.language = "en-GB"
    properties.created = now
    properties.modified = now
    properties.revision = 1
    for lang in document.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), "en-GB")
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    )
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20))
    document.add_heading(_xml_safe(title), level=1)
    return document


def _repeat_as_header(row) -> None:
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _docx_bytes(document) -> bytes:
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# PDF list layout. Columns are sized by the table layout from what may not be broken: a short
# cell line (a reference, a name, a date, a status) stays on one line, a word holding a hyphen or
# a slash (where a line could otherwise break) stays whole, and other text wraps between words.
# A table too wide for a portrait page goes landscape, then to smaller type, then lets its short
# lines wrap between words; only a word too long for any column, or a table that fits no other
# way, is broken anywhere.
KEEP_LINE = 20  # characters: a cell line no longer than this is never wrapped
LONG_WORD = 40  # characters: a longer word may be broken anywhere
_WORD_BREAKS = re.compile(r"[-‐‑–—/\\_.:+]")
CHAR_MM = 2.0  # an over-estimate of one character's width at 9.5pt, in millimetres
SMALL_TYPE = 8 / 9.5  # the smaller type, against the usual 9.5pt
CELL_PADDING_MM = 3.0
PORTRAIT_MM, LANDSCAPE_MM = 180, 267  # A4 less the margins
# (smaller type, keep short lines whole), tried in turn until the table fits the page.
PDF_LAYOUTS = ((False, True), (True, True), (True, False))


@dataclass(frozen=True)
class Piece:
    """Part of a PDF cell line: kept on one line ("keep"), wrapped between words ("text"), or
    breakable anywhere ("break")."""

    text: str
    kind: str


def pdf_cell(value, keep_lines: bool = True) -> list[list[Piece]]:
    """A cell's lines for the PDF list, each split into pieces (see above). Dates, times and
    numbers are always kept on one line."""
    whole = isinstance(value, dt.date | dt.time | int | float | Decimal)
    lines = []
    for line in display_value(value).splitlines() or [""]:
        if whole or (keep_lines and len(line) <= KEEP_LINE):
            lines.append([Piece(line, "keep")])
            continue
        pieces, words = [], []
        for word in line.split(" "):
            kind = "break" if len(word) > LONG_WORD else "keep" if _WORD_BREAKS.search(word) else ""
            if not kind:
                words.append(word)
                continue
            if words:
                pieces.append(Piece(" ".join(words), "text"))
                words = []
            pieces.append(Piece(word, kind))
        if words:
            pieces.append(Piece(" ".join(words), "text"))
        lines.append(pieces)
    return lines


def _narrowest(piece: Piece) -> int:
    if piece.kind == "keep":
        return len(piece.text)
    if piece.kind == "break":
        return 1
    return max((len(word) for word in piece.text.split(" ")), default=0)


def _table_width_mm(columns: list[str], rows: list, small: bool) -> float:
    """An over-estimate of the narrowest the table can be laid out."""
    widest = [max((len(word) for word in column.split()), default=0) for column in columns]
    for row in rows:
        for index, cell in enumerate(row[: len(widest)]):
            for line in cell:
                for piece in line:
                    widest[index] = max(widest[index], _narrowest(piece))
    char_mm = CHAR_MM * (SMALL_TYPE if small else 1)
    return sum(widest) * char_mm + len(widest) * CELL_PADDING_MM


def _pdf_layout(columns: list[str], values: list[list]) -> dict:
    """The first layout in which the table fits the page: its rows of pieces, the page's
    orientation and the type size; failing all, the last resort of breaking anywhere."""
    for small, keep_lines in PDF_LAYOUTS:
        rows = [[pdf_cell(value, keep_lines) for value in row] for row in values]
        width = _table_width_mm(columns, rows, small)
        portrait = width <= PORTRAIT_MM and len(columns) <= WIDE_TABLE_COLUMNS
        if portrait or width <= LANDSCAPE_MM:
            return {"rows": rows, "landscape": not portrait, "small": small, "squeeze": False}
    return {"rows": rows, "landscape": True, "small": True, "squeeze": True}


def to_pdf(table: Table) -> bytes:
    columns = [_xml_safe(str(column)) for column in table.columns]
    context = {
        "title": _xml_safe(table.title),
        "subtitle": _xml_safe(table.subtitle),
        "columns": columns,
        **_pdf_layout(columns, [list(row) for row in table.rows]),
        "generated": govuk_datetime(timezone.now()),
        "partnership_name": settings.SIGHTLINE_PARTNERSHIP_NAME,
    }
    return render_pdf("core/export_table.html", context)


# --------------------------------------------------------------------------- PDF rendering


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None) -> bytes:
    """Render a template to a tagged (PDF/UA-1) A4 PDF. Only local asset files are read.

    The template should set `lang` on <html> and have a <title>; PRINT_CSS is applied as the
    user stylesheet, so a template's own styles take precedence.
    """
    from weasyprint import CSS, HTML  # imported here: loading WeasyPrint takes about 0.5s

    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:  # ten INFO lines per PDF, unless LOGGING says otherwise
        progress.setLevel(logging.WARNING)
    fetcher = _local_fetcher(base_url)
    html = HTML(
        string=render_to_string(template_name, context), base_url=base_url, url_fetcher=fetcher
    )
    return html.write_pdf(
        stylesheets=[CSS(string=PRINT_CSS, url_fetcher=fetcher)], pdf_variant="pdf/ua-1"
    )


def _asset_roots(base_url: str | None) -> list[Path]:
    roots = [Path(settings.STATIC_ROOT), *(Path(p) for p in settings.STATICFILES_DIRS)]
    roots.append(Path(__file__).resolve().parent / "static")
    if base_url and "://" not in base_url:
        base = Path(base_url)
        roots.append(base if base.is_dir() else base.parent)
    elif base_url and base_url.startswith("file://"):
        roots.append(Path(url2pathname(urlsplit(base_url).path)))
    return [root.resolve() for root in roots]


def _local_fetcher(base_url: str | None):
    return _fetcher_class()(_asset_roots(base_url))


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Fetch data: URLs and files under the asset folders; refuse everything else."""

        def __init__(self, roots: list[Path]):
            super().__init__(timeout=5, allowed_protocols={"file", "data"}, allow_redirects=False)
            self._roots = roots

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in self._roots):
                    raise ValueError("Only files in the asset folders may be used in a PDF.")
            elif scheme != "data":
                raise ValueError("Network resources may not be used in a PDF.")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


# --------------------------------------------------------------------------- responses

FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", to_docx),
    "pdf": ("application/pdf", to_pdf),
}
EXPORT_FORMATS = tuple(FORMATS)  # ("csv", "xlsx", "docx", "pdf"), for views checking ?format=


# Query parameters that say how to deliver the list, not which rows it holds.
NOT_FILTERS = frozenset({"format", "page"})
FILTER_LIMIT = 200  # characters kept of each filter name and value in the event log
FILTER_NAMES = 30  # query parameters looked at


def export_response(request, table: Table, fmt: str, filename_stem: str) -> HttpResponse:
    """The table as a downloadable file, recorded in the event log; an unknown format is a 404
    (like any unknown URL)."""
    fmt = str(fmt or "").lower()
    if fmt not in FORMATS:
        raise Http404("Unknown export format")
    content_type, build = FORMATS[fmt]
    table = replace(table, rows=list(table.rows))
    content = build(table)
    record_event(
        action="export.list",
        kind=Event.Kind.READ,
        actor=request.user,
        object_type="list",
        object_id=request.path,
        changes={
            "list": [None, table.title],
            "format": [None, fmt],
            "filters": [None, export_filters(request)],
            "rows": [None, len(table.rows)],
        },
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{_safe_stem(filename_stem)}.{fmt}"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_filters(request) -> dict[str, list[str]]:
    """The filters and sort the list was exported with, as the query string gave them."""
    filters = {}
    for name in sorted(request.GET)[:FILTER_NAMES]:
        values = [value[:FILTER_LIMIT] for value in request.GET.getlist(name) if value]
        if values and name not in NOT_FILTERS:
            filters[name[:FILTER_LIMIT]] = values
    return filters


def _safe_stem(stem: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "-", str(stem)).strip(" .-")
    return cleaned[:100] or "export"
