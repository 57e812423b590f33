"""Helpers for the publication journey: the people (signed-in staff and anonymous members of the
public, each in their own browser context), the report PDFs, and what the public can reach.

    Crowd(browser, base_url)            `People` (review_helpers) plus anonymous visitors
        .open(name, user) -> Journey        a signed-in context, as in People
        .anonymous(name) -> Journey         a fresh context that never signs in (so nothing it
                                            saw earlier is in its HTTP cache)
    report_pdf(directory, name, paragraphs, *, title) -> Path
                                        a real PDF made with WeasyPrint, with document
                                        properties (title, author, keywords) set
    pdf_metadata(data) -> dict          the document information of PDF bytes ({} if none)
    pdf_text(data) -> str               the text of every page
    london_time(moment) -> (date, "HH:MM")  a moment as the date and time fields take it
    minutes_ahead(minutes) -> datetime  now plus `minutes`, to the minute (London time)
    feed_titles(request_context) -> list[str]   entry titles of the public Atom feed
    api_titles(request_context, query) -> list[str]   titles the public search API returns
"""

from __future__ import annotations

import html
import io
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page

from tests.e2e.conftest import TIMEOUT_MS, BrowserProblems, Journey
from tests.e2e.review_helpers import People

ATOM = "{http://www.w3.org/2005/Atom}"


class Crowd(People):
    """Staff signed in with their own authenticator, and members of the public who never sign
    in, each in a browser context of their own."""

    def anonymous(self, name: str) -> Journey:
        if name in self.journeys:
            return self.journeys[name]
        context = self.browser.new_context(
            base_url=self.base_url,
            bypass_csp=True,  # lets axe-core be injected, as in the harness's page fixture
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        problems = BrowserProblems()
        page = context.new_page()
        page.on("dialog", problems.on_dialog)
        page.on("pageerror", problems.on_page_error)
        journey = Journey(page, problems)
        self.journeys[name] = journey
        return journey


def report_pdf(directory: Path, name: str, paragraphs: list[str], *, title: str) -> Path:
    """A report as a reviewer would send it: real text, and document properties that the
    upload path must strip."""
    from weasyprint import HTML

    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    source = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<meta name='author' content='Independent reviewer'>"
        "<meta name='keywords' content='draft, not for circulation'>"
        "<style>body { font-family: sans-serif; font-size: 11pt; }</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    path = directory / name
    path.write_bytes(HTML(string=source).write_pdf())
    return path


def pdf_metadata(data: bytes) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"].get_object()
    info = dict(reader.metadata or {})
    if "/Metadata" in root:
        info["XMP"] = root["/Metadata"].get_object().get_data()
    return info


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def minutes_ahead(minutes: int) -> datetime:
    moment = timezone.localtime() + timedelta(minutes=minutes)
    return moment.replace(second=0, microsecond=0)


def london_time(moment: datetime) -> tuple[date, str]:
    local = timezone.localtime(moment)
    return local.date(), f"{local:%H:%M}"


def feed_titles(page: Page) -> list[str]:
    response = page.request.get("/library/feed/")
    assert response.status == 200, f"/library/feed/: HTTP {response.status}"
    assert "atom" in response.headers["content-type"], response.headers["content-type"]
    root = ET.fromstring(response.body())
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


def api_titles(page: Page, query: str) -> list[str]:
    response = page.request.get("/api/v1/library/search", params={"q": query})
    assert response.status == 200, f"library search API: HTTP {response.status}"
    return [hit["title"] for hit in response.json()["results"]]
