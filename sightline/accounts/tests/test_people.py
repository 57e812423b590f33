"""The one selector of people holding a part, and the person picker's labels."""

import datetime

import pytest

from sightline.accounts.models import Agency, Duty, Role
from sightline.accounts.people import PersonChoiceField, people_with, person_label
from sightline.accounts.services import agency_update, membership_remove, user_deactivate
from sightline.core.clocks import today

pytestmark = pytest.mark.django_db


def test_people_with_a_role_excludes_ended_archived_and_inactive_holders(make_user, agency_factory):
    police = agency_factory("Northshire Police", kind=Agency.Kind.SAFEGUARDING_PARTNER)
    holder = make_user(Role.PARTNER_LEAD, agency=police, full_name="Asha Rao")
    ended = make_user(Role.PARTNER_LEAD, agency=police)
    ended.access_ends_on = today() - datetime.timedelta(days=1)
    ended.save()
    removed = make_user(Role.PARTNER_LEAD, agency=police)
    membership_remove(membership=removed.memberships.get(), by=None)
    deactivated = make_user(Role.PARTNER_LEAD, agency=police)
    user_deactivate(user=deactivated, by=None)
    make_user(Role.AGENCY_LEAD, agency=police)
    closed = agency_factory("Closed agency")
    make_user(Role.PARTNER_LEAD, agency=closed)
    agency_update(agency=closed, by=None, expected_version=closed.version, active=False)

    assert list(people_with(Role.PARTNER_LEAD)) == [holder]
    assert list(people_with(Role.PARTNER_LEAD, agencies=[closed])) == []


def test_people_with_a_duty_match_the_duty_code_exactly(make_user, agency_factory):
    council = agency_factory("Northshire Council")
    notifier = make_user(Role.AGENCY_LEAD, agency=council, duties=[Duty.INCIDENT_NOTIFIER])
    make_user(Role.AGENCY_LEAD, agency=council, duties=[Duty.PUBLICATION_APPROVER])

    assert list(people_with(duty=Duty.INCIDENT_NOTIFIER)) == [notifier]
    assert list(people_with(Role.AGENCY_LEAD, agencies=[council.pk])).count(notifier) == 1


def test_a_person_with_two_roles_is_listed_once(make_user, agency_factory):
    from sightline.accounts.services import membership_add

    person = make_user(Role.BUSINESS_UNIT)
    membership_add(user=person, by=None, agency=agency_factory(), role=Role.PARTNER_LEAD)
    assert list(people_with(Role.BUSINESS_UNIT, Role.PARTNER_LEAD)) == [person]


def test_the_picker_names_role_agency_and_email(make_user, agency_factory):
    police = agency_factory("Northshire Police")
    person = make_user(
        Role.SCRUTINEER, agency=police, full_name="Dr Asha Rao", email="asha.rao@example.org"
    )
    field = PersonChoiceField(queryset=people_with(Role.SCRUTINEER))
    labels = [label for value, label in field.choices if value]
    assert labels == [
        "Dr Asha Rao – Independent scrutineer, Northshire Police – asha.rao@example.org"
    ]
    assert person_label(person) == labels[0]
    field.queryset = people_with(Role.REVIEWER)
    assert [label for value, label in field.choices if value] == []
