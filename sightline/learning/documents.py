"""A briefing as a document: one function gives its content, and the preview page, the one-page
PDF and the Word document are all built from that content."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from sightline.core.exports import docx_document, render_pdf
from sightline.core.templatetags.govuk import govuk_date
from sightline.learning.models import Briefing

PRINT_TEMPLATE = "learning/briefing_print.html"
# The sheet's stylesheet, read by the PDF renderer from here and served as a static file to the
# preview page (learning/briefing-sheet.css).
STATIC_DIR = Path(__file__).resolve().parent / "static" / "learning"

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Tile:
    number: int
    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class BriefingContent:
    reference: str
    title: str
    partnership: str
    status: str
    status_label: str
    tiles: list[Tile]
    questions: list[str]
    source: str
    themes: list[str]
    author: str
    approver: str
    publish_date: date | None
    review_date: date | None

    @property
    def is_published(self) -> bool:
        return self.status == Briefing.Status.PUBLISHED

    def about(self) -> list[str]:
        lines = [f"Reference: {self.reference}", self.source]
        if self.themes:
            lines.append(f"Themes: {', '.join(self.themes)}")
        if self.approver:
            lines.append(f"Approved by {self.approver}")
        if self.publish_date:
            lines.append(f"Published {govuk_date(self.publish_date)}")
        if self.review_date:
            lines.append(f"Review by {govuk_date(self.review_date)}")
        if not self.is_published:
            lines.append(f"{self.status_label}: not for circulation")
        return lines


def paragraphs(text: str) -> list[str]:
    """One paragraph per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def source_text(briefing: Briefing) -> str:
    """Where the learning comes from, in words fit for print (no case references)."""
    label = briefing.get_source_display()
    topic = briefing.topic.strip()
    return f"Source: {label}: {topic}" if topic else f"Source: {label}"


def briefing_content(briefing: Briefing) -> BriefingContent:
    """The briefing's content with the partnership's configured tile headings."""
    tiles = [
        Tile(number=i, heading=heading, paragraphs=paragraphs(text))
        for i, (heading, text) in enumerate(briefing.sections(), start=1)
    ]
    return BriefingContent(
        reference=briefing.reference,
        title=briefing.title,
        partnership=settings.SIGHTLINE_PARTNERSHIP_NAME,
        status=briefing.status,
        status_label=briefing.get_status_display(),
        tiles=tiles,
        questions=briefing.questions(),
        source=source_text(briefing),
        themes=[t.name for t in briefing.themes.all()],
        author=str(briefing.author),
        approver=str(briefing.approver) if briefing.approver_id else "",
        publish_date=briefing.publish_date,
        review_date=briefing.review_date,
    )


# Text sizes for the PDF (tenths of a point, as in the stylesheet's app-7mb--size-NN classes),
# each with the most words in one tile that usually fit on the page at that size.
PRINT_SIZES = ((95, 85), (90, 95), (85, 120), (80, 135), (75, None))
# The most words a tile, and the reflective questions, may hold: at the smallest size, a page
# holds seven tiles and the questions this long.
MAX_TILE_WORDS = 150
MAX_QUESTION_WORDS = 80


def word_count(text: str) -> int:
    return len((text or "").split())


def _largest_tile(content: BriefingContent) -> int:
    counts = [sum(word_count(p) for p in tile.paragraphs) for tile in content.tiles]
    counts.append(sum(word_count(q) for q in content.questions))
    return max(counts)


def briefing_pdf(content: BriefingContent) -> bytes:
    """The one-page, tagged PDF in the seven-tile layout.

    It starts at the largest text size the longest tile allows and, if the page still
    overflows, steps down a size at a time (to 7.5pt) until it fits."""
    from pypdf import PdfReader

    largest = _largest_tile(content)
    sizes = [size for size, limit in PRINT_SIZES if limit is None or largest <= limit]
    for size in sizes:
        pdf = render_pdf(
            PRINT_TEMPLATE, {"sheet": content, "print_size": size}, base_url=f"{STATIC_DIR}/"
        )
        if size == sizes[-1] or len(PdfReader(io.BytesIO(pdf)).pages) == 1:
            return pdf
    raise RuntimeError("unreachable")


def briefing_docx(content: BriefingContent) -> bytes:
    """The same content as a Word document: a heading per tile, then the questions."""
    sections = [(f"{tile.number}. {tile.heading}", tile.paragraphs) for tile in content.tiles]
    sections.append(("Reflective questions", content.questions))
    sections.append(("About this briefing", content.about()))
    return docx_document(
        f"7-minute briefing: {content.title}", sections, subtitle=content.partnership
    )


def download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
