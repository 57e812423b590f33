"""A briefing as a document: one function gives its content, and the preview page, the one-page
PDF and the Word document are all built from that content."""

from __future__ import annotations

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


def briefing_pdf(content: BriefingContent) -> bytes:
    """The one-page, tagged PDF in the seven-tile layout."""
    return render_pdf(PRINT_TEMPLATE, {"sheet": content}, base_url=f"{STATIC_DIR}/")


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
