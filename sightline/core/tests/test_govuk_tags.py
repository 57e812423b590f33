"""The GOV.UK button and tag tags, date and time filters, and the query-string tags for
pagination, sorting and export links. No database needed.

Field components and the error summary are tested in test_govuk_fields.py."""

import datetime
import zoneinfo

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory

UTC = datetime.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")


def render(source, **context):
    return Template(source).render(Context(context))


# ---------------------------------------------------------------------------------------------
# Buttons and tags
# ---------------------------------------------------------------------------------------------


def test_buttons():
    assert render('{% govuk_button "Save" %}') == (
        '<button type="submit" class="govuk-button" data-module="govuk-button">Save</button>'
    )
    html = render('{% govuk_button "Save as draft" secondary=True name="action" value="draft" %}')
    assert 'class="govuk-button govuk-button--secondary"' in html
    assert 'name="action" value="draft"' in html
    html = render('{% govuk_button "Delete" warning=True %}')
    assert 'class="govuk-button govuk-button--warning"' in html
    html = render("{% govuk_button label %}", label="<script>")
    assert "&lt;script&gt;" in html
    html = render('{% govuk_button "Start" href="/app/start" %}')
    assert '<a href="/app/start" role="button" draggable="false" class="govuk-button"' in html


def test_tags():
    assert render('{% govuk_tag "Overdue" "red" %}') == (
        '<strong class="govuk-tag govuk-tag--red">Overdue</strong>'
    )
    assert render('{% govuk_tag "New" "blue" %}') == '<strong class="govuk-tag">New</strong>'
    assert render('{% govuk_tag "Open" %}') == '<strong class="govuk-tag">Open</strong>'
    html = render("{% govuk_tag text colour %}", text="<b>x</b>", colour='red" onclick="x')
    assert html == '<strong class="govuk-tag">&lt;b&gt;x&lt;/b&gt;</strong>'


# ---------------------------------------------------------------------------------------------
# Dates and times
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(2026, 3, 5), "5 March 2026"),
        (datetime.datetime(2026, 3, 5, 14, 30, tzinfo=UTC), "5 March 2026"),
        # 11:30pm UTC on 1 June is 12:30am on 2 June in London (BST).
        (datetime.datetime(2026, 6, 1, 23, 30, tzinfo=UTC), "2 June 2026"),
        (None, ""),
        ("", ""),
    ],
)
def test_govuk_date(value, expected):
    assert render("{{ value|govuk_date }}", value=value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2026, 1, 5, 0, 0, tzinfo=LONDON), "12am"),
        (datetime.datetime(2026, 1, 5, 12, 0, tzinfo=LONDON), "12pm"),
        (datetime.datetime(2026, 1, 5, 14, 30, tzinfo=LONDON), "2:30pm"),
        (datetime.datetime(2026, 1, 5, 9, 5, tzinfo=LONDON), "9:05am"),
        (datetime.datetime(2026, 1, 5, 0, 15, tzinfo=LONDON), "12:15am"),
        (datetime.datetime(2026, 6, 1, 13, 30, tzinfo=UTC), "2:30pm"),
        (datetime.time(17, 0), "5pm"),
        (None, ""),
    ],
)
def test_govuk_time(value, expected):
    assert render("{{ value|govuk_time }}", value=value) == expected


def test_govuk_datetime():
    value = datetime.datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    assert render("{{ value|govuk_datetime }}", value=value) == "5 March 2026 at 2:30pm"
    midnight = datetime.datetime(2026, 3, 5, 0, 0, tzinfo=LONDON)
    assert render("{{ value|govuk_datetime }}", value=midnight) == "5 March 2026 at 12am"
    assert render("{{ value|govuk_datetime }}", value=None) == ""


# ---------------------------------------------------------------------------------------------
# Query-string tags: pagination, sorting and export links
# ---------------------------------------------------------------------------------------------


def request_for(query):
    return RequestFactory().get("/app/actions/" + query)


def test_page_url_keeps_other_parameters():
    request = request_for("?status=open&page=2&q=a+b")
    html = render("{% page_url 3 %}", request=request)
    assert html == "?status=open&amp;page=3&amp;q=a+b"


def test_pagination_include():
    request = request_for("?status=open")
    page = Paginator(list(range(100)), 10).page(5)
    html = render('{% include "includes/pagination.html" %}', request=request, page_obj=page)
    assert '<nav class="govuk-pagination" aria-label="Pagination">' in html
    assert 'href="?status=open&amp;page=4" rel="prev"' in html
    assert 'href="?status=open&amp;page=6" rel="next"' in html
    assert 'aria-label="Page 5" aria-current="page"' in html
    assert "govuk-pagination__item--ellipsis" in html
    single = Paginator(list(range(5)), 10).page(1)
    html = render('{% include "includes/pagination.html" %}', request=request, page_obj=single)
    assert html.strip() == ""


def test_sort_link_and_header():
    request = request_for("?sort=due_date&status=open&page=3")
    html = render('{% sort_header "due_date" "Due date" %}', request=request)
    assert '<th scope="col" class="govuk-table__header" aria-sort="ascending">' in html
    assert 'href="?sort=-due_date&amp;status=open"' in html
    assert "(sorted ascending)" in html
    html = render('{% sort_link "title" "Title" %}', request=request)
    assert 'href="?sort=title&amp;status=open"' in html
    assert "sorted" not in html

    request = request_for("?sort=-due_date")
    html = render('{% sort_header "due_date" "Due date" %}', request=request)
    assert 'aria-sort="descending"' in html
    assert 'href="?sort=due_date"' in html

    request = request_for("")
    html = render('{% sort_header "due_date" "Due date" default="-due_date" %}', request=request)
    assert 'aria-sort="descending"' in html
    html = render('{% sort_link "title" label %}', request=request, label="<i>Title</i>")
    assert "&lt;i&gt;Title&lt;/i&gt;" in html


def test_export_links_include():
    request = request_for("?status=open&page=2")
    html = render('{% include "includes/export_links.html" %}', request=request)
    assert 'href="?status=open&amp;format=csv">Download as CSV</a>' in html
    assert 'href="?status=open&amp;format=xlsx">Download as Excel</a>' in html
    assert 'href="?status=open&amp;format=docx">Download as Word</a>' in html
    assert 'href="?status=open&amp;format=pdf">Download as PDF</a>' in html


# ---------------------------------------------------------------------------------------------
# Tables that scroll on their own
# ---------------------------------------------------------------------------------------------

WIDE_TABLE = (
    '{% scroll_table %}<table class="govuk-table"><caption class="govuk-table__caption">'
    "{{ caption }}</caption><tr><td>1</td></tr></table>{% endscroll_table %}"
)


def test_a_table_scrolls_in_a_region_named_by_its_caption():
    html = render(WIDE_TABLE, caption="Each agency’s <acknowledgement>")
    assert html.startswith(
        '<div class="app-table-scroll" role="region" '
        'aria-label="Each agency’s &lt;acknowledgement&gt;" tabindex="0"><table'
    )
    assert html.endswith("</table></div>")
    assert "&lt;acknowledgement&gt;</caption>" in html  # the table itself is as rendered


def test_a_table_without_a_caption_needs_a_label():
    from django.template import TemplateSyntaxError

    table = "<table><tr><td>1</td></tr></table>"
    labelled = render(f'{{% scroll_table "Deadlines" %}}{table}{{% endscroll_table %}}')
    assert 'aria-label="Deadlines"' in labelled
    with pytest.raises(TemplateSyntaxError):
        render(f"{{% scroll_table %}}{table}{{% endscroll_table %}}")


def test_every_data_table_in_the_templates_scrolls_on_its_own():
    """Each <table class="govuk-table"> in a page template sits in {% scroll_table %}, so no
    table can make a page scroll sideways on a phone or at 400% zoom."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    templates = [*root.glob("templates/**/*.html"), *root.glob("sightline/*/templates/**/*.html")]
    checked = 0
    for path in templates:
        if path.name == "export_table.html":  # the PDF export, for paper
            continue
        source = path.read_text()
        for found in re.finditer(r"<table\b", source):
            before = source[: found.start()]
            opened = before.count("{% scroll_table")
            closed = before.count("{% endscroll_table %}")
            assert opened == closed + 1, f"{path.relative_to(root)}: a table outside scroll_table"
            checked += 1
    assert checked > 30
