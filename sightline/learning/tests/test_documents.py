"""The briefing as a document: the one-page PDF and the Word document, read back, both from
the same content as the preview."""

from __future__ import annotations

import io

import docx
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from sightline.core.models import Theme
from sightline.learning import documents
from sightline.learning.models import Briefing

from .conftest import TILE

pytestmark = pytest.mark.django_db

S = Briefing.Status


def pdf_text(body: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def docx_paragraphs(body: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]


def words(text: str) -> int:
    return len(text.split())


def test_typical_content_is_about_120_words_a_tile():
    assert 110 <= words(f"Tile 1. {TILE}") <= 130


def test_the_pdf_is_one_page_with_every_heading_and_the_title(make_briefing):
    briefing = make_briefing(S.PUBLISHED, themes=Theme.objects.filter(name="Safe sleep"))
    pages, text = pdf_text(documents.briefing_pdf(documents.briefing_content(briefing)))
    assert pages == 1
    assert briefing.title in text
    assert settings.SIGHTLINE_PARTNERSHIP_NAME in text
    for number, heading in enumerate(settings.SIGHTLINE_BRIEFING_HEADINGS, start=1):
        assert f"{number} {heading}" in text
    assert "Reflective questions" in text
    assert "Who would you tell if a family's explanation did not seem right?" in text
    assert "Safe sleep" in text
    assert "not for circulation" not in text


def test_the_pdf_is_tagged_in_british_english_with_a_title(make_briefing):
    briefing = make_briefing(S.PUBLISHED)
    reader = PdfReader(io.BytesIO(documents.briefing_pdf(documents.briefing_content(briefing))))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == f"7-minute briefing: {briefing.title}"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape


def test_the_longest_tiles_allowed_still_fit_on_one_page(make_briefing):
    text = f"{TILE} {TILE}".split()
    longest = " ".join(text[: documents.MAX_TILE_WORDS])
    question = "What would you do differently next time, and who would you tell?"  # 12 words
    questions = [question] * (documents.MAX_QUESTION_WORDS // 12) + ["Why and how?"]
    briefing = make_briefing(
        S.DRAFT,
        **{f"section_{i}": longest for i in range(1, 8)},
        reflective_questions="\n".join(questions),
    )
    assert documents.word_count(briefing.reflective_questions) <= documents.MAX_QUESTION_WORDS
    assert documents.word_count(longest) == documents.MAX_TILE_WORDS
    pages, text = pdf_text(documents.briefing_pdf(documents.briefing_content(briefing)))
    assert pages == 1
    assert "Draft: not for circulation" in text


def test_a_draft_pdf_says_it_is_not_for_circulation(make_briefing):
    briefing = make_briefing(S.IN_REVIEW)
    _, text = pdf_text(documents.briefing_pdf(documents.briefing_content(briefing)))
    assert "In review: not for circulation" in text


def test_the_word_document_has_the_same_content(make_briefing):
    briefing = make_briefing(S.PUBLISHED, themes=Theme.objects.filter(name="Safe sleep"))
    paragraphs = docx_paragraphs(documents.briefing_docx(documents.briefing_content(briefing)))
    assert paragraphs[0] == f"7-minute briefing: {briefing.title}"
    for number, heading in enumerate(settings.SIGHTLINE_BRIEFING_HEADINGS, start=1):
        assert f"{number}. {heading}" in paragraphs
    assert "Reflective questions" in paragraphs
    assert "How do you find out who else cares for a baby in the family?" in paragraphs
    assert "Themes: Safe sleep" in paragraphs
    assert any(p.startswith("Tile 4. Baby F was ten weeks old") for p in paragraphs)
    document = docx.Document(
        io.BytesIO(documents.briefing_docx(documents.briefing_content(briefing)))
    )
    assert document.core_properties.language == "en-GB"
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles[f"1. {settings.SIGHTLINE_BRIEFING_HEADINGS[0]}"] == "Heading 2"


@override_settings(
    SIGHTLINE_BRIEFING_HEADINGS=["Context", "Impact", "Fact", "Lesson", "Fact", "Remember", "Do"]
)
def test_both_documents_use_the_partnerships_headings(make_briefing):
    briefing = make_briefing(S.PUBLISHED)
    content = documents.briefing_content(briefing)
    _, text = pdf_text(documents.briefing_pdf(content))
    paragraphs = docx_paragraphs(documents.briefing_docx(content))
    for number, heading in enumerate(settings.SIGHTLINE_BRIEFING_HEADINGS, start=1):
        assert f"{number} {heading}" in text
        assert f"{number}. {heading}" in paragraphs
    assert "Background" not in text


def test_the_downloads_are_attachments(make_briefing, people, signed_in_client):
    briefing = make_briefing(S.PUBLISHED)
    client = signed_in_client(people["practitioner"])

    pdf = client.get(reverse("learning:pdf", args=[briefing.reference]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert f"{briefing.reference} 7-minute briefing.pdf" in pdf["Content-Disposition"]
    assert "no-store" in pdf["Cache-Control"]
    assert pdf_text(pdf.content)[0] == 1

    word = client.get(reverse("learning:docx", args=[briefing.reference]))
    assert word.status_code == 200
    assert word["Content-Type"] == documents.DOCX_TYPE
    assert f"{settings.SIGHTLINE_BRIEFING_HEADINGS[1]}" in " ".join(docx_paragraphs(word.content))


def test_the_preview_uses_the_print_layout_in_the_site_page(
    make_briefing, people, signed_in_client
):
    briefing = make_briefing(S.PUBLISHED)
    response = signed_in_client(people["lead"]).get(
        reverse("learning:preview", args=[briefing.reference])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert f'<h1 class="app-7mb__title">{briefing.title}</h1>' in html
    assert html.count('class="app-7mb__heading"') == 8  # seven tiles and the questions
    assert "learning/briefing-sheet.css" in html
    assert '<html lang="en-GB"' in html
