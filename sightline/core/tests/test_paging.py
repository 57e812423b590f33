"""Paging: keys first, then the page's rows, with the same rows and order as plain paging."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sightline.core.models import Theme
from sightline.core.paging import KeysFirstPaginator, page_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def themes():
    Theme.objects.bulk_create(
        Theme(name=f"Paging theme {n:03d}", slug=f"paging-theme-{n:03d}") for n in range(23)
    )
    return Theme.objects.filter(slug__startswith="paging-theme").order_by("-name", "pk")


@pytest.mark.parametrize("number", [1, 2, 3])
def test_each_page_holds_the_rows_plain_paging_would_show_in_the_same_order(themes, number):
    plain = Paginator(themes, 10).page(number)
    keys_first = KeysFirstPaginator(themes, 10).page(number)

    assert [t.pk for t in keys_first.object_list] == [t.pk for t in plain.object_list]
    assert keys_first.paginator.num_pages == 3
    assert keys_first.has_next() == plain.has_next()


def test_a_page_is_read_in_a_constant_number_of_queries(themes):
    with CaptureQueriesContext(connection) as queries:
        page = KeysFirstPaginator(themes, 10).page(2)
        list(page.object_list)

    assert len(queries) == 3  # count, the page's keys, the page's rows


def test_a_total_already_counted_is_not_counted_again(themes):
    paginator = KeysFirstPaginator(themes, 10, count=23)

    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(3)

    assert len(queries) == 2
    assert len(page.object_list) == 3


def test_page_of_reads_the_page_from_the_query_string_and_forgives_nonsense(themes):
    last = page_of(RequestFactory().get("/", {"page": "last"}), themes, per_page=10)
    nonsense = page_of(RequestFactory().get("/", {"page": "x"}), themes, per_page=10)
    too_far = page_of(RequestFactory().get("/", {"page": "99"}), themes, per_page=10)

    assert last.number == 3
    assert nonsense.number == 1
    assert too_far.number == 3


def test_lists_that_are_not_querysets_are_paged_as_usual():
    page = KeysFirstPaginator(list(range(25)), 10).page(3)

    assert list(page.object_list) == [20, 21, 22, 23, 24]
