"""The action lists do their sorting, counting and paging in SQL, on indexes."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection

from sightline.accounts.models import Role
from sightline.actions import selectors
from sightline.actions.models import OPEN_STATUSES, Action, ActionStatus
from sightline.core.clocks import today
from sightline.core.maintenance import update_statistics
from sightline.core.models import Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(plan, make_action, away, home):
    """Twelve actions over both agencies, every status, due dates either side of today."""
    made = []
    for n, (status, agency) in enumerate(
        zip(itertools.cycle(ActionStatus.values), itertools.cycle([home, away]), strict=False)
    ):
        if n == 12:
            break
        action = make_action(owner_agency=agency, status=status)
        Action.objects.filter(pk=action.pk).update(due_date=today() + timedelta(days=n * 9 - 50))
        made.append(action)
    return made


def test_the_summary_counts_every_status_and_the_overdue_open_actions(bu, many):
    day = today()
    actions = list(Action.objects.filter(archived_at__isnull=True))

    summary = selectors.status_summary(
        selectors.action_list(bu, selectors.ActionFilters(), day), day
    )

    assert summary["total"] == len(actions)
    for status in ActionStatus.values:
        assert summary[status] == sum(a.status == status for a in actions)
    assert summary["overdue"] == sum(
        a.status in OPEN_STATUSES and a.due_date < day for a in actions
    )


def test_a_theme_filter_lists_an_action_once_without_distinct(bu, many):
    first, second = Theme.objects.filter(active=True)[:2]
    many[0].themes.add(first, second)
    many[1].themes.add(first)

    qs = selectors.action_list(bu, selectors.ActionFilters(theme=first.pk), today())

    assert sorted(a.pk for a in qs) == sorted([many[0].pk, many[1].pk])
    assert "DISTINCT" not in str(qs.query)
    assert selectors.status_summary(qs, today())["total"] == 2


def test_plan_counts_are_those_of_the_actions_the_person_may_see(
    bu, make_user, home, plan, make_action, away
):
    make_action(status=ActionStatus.COMPLETE)
    make_action()
    make_action(owner_agency=away)
    lead = make_user(Role.AGENCY_LEAD, agency=home)

    (as_bu,) = selectors.plan_list(bu)
    (as_lead,) = selectors.plan_list(lead)

    assert (as_bu.action_count, as_bu.open_count) == (3, 2)
    assert (as_lead.action_count, as_lead.open_count) == (2, 1)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize("sort", sorted(selectors.SORTS))
def test_every_offered_order_is_read_from_an_index_without_sorting_rows(bu, many, sort):
    update_statistics()
    keys = selectors.action_list(bu, selectors.ActionFilters(sort=sort), today()).values_list(
        "pk", flat=True
    )[:50]
    sql, params = keys.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(row[3] for row in cursor.fetchall())

    assert "TEMP B-TREE" not in plan, plan


def test_statistics_can_be_updated_on_either_engine(many):
    update_statistics()

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'actions_action'")
            assert cursor.fetchone()[0] > 0
