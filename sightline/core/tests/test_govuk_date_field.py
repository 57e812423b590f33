"""The GOV.UK date field and its widget: three inputs, parsing and GOV.UK error messages."""

import datetime

import pytest
from django import forms

from sightline.core.forms import BaseForm, GovukDateField, GovukDateWidget, lower_first


def test_date_widget_names_and_inputmode():
    widget = GovukDateWidget()
    html = widget.render("due_date", datetime.date(2026, 3, 5), attrs={"id": "id_due_date"})
    assert 'name="due_date_day"' in html
    assert 'name="due_date_month"' in html
    assert 'name="due_date_year"' in html
    assert 'id="id_due_date_day"' in html
    assert html.count('inputmode="numeric"') == 3
    assert widget.id_for_label("id_due_date") == "id_due_date_day"
    data = {"due_date_day": "5", "due_date_month": "3", "due_date_year": "2026"}
    assert widget.value_from_datadict(data, {}, "due_date") == ["5", "3", "2026"]


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("5", "3", "2026", datetime.date(2026, 3, 5)),
        (" 05 ", "03", "2026", datetime.date(2026, 3, 5)),
        ("5", "March", "2026", datetime.date(2026, 3, 5)),
        ("5", "mar", "2026", datetime.date(2026, 3, 5)),
        ("29", "2", "2028", datetime.date(2028, 2, 29)),
    ],
)
def test_date_field_parses_valid_dates(day, month, year, expected):
    field = GovukDateField(label="Due date")
    assert field.clean([day, month, year]) == expected


@pytest.mark.parametrize(
    ("value", "message", "code"),
    [
        (["", "", ""], "Enter the due date", "required"),
        (["5", "3", ""], "Due date must include a year", "incomplete_year"),
        (["", "3", "2026"], "Due date must include a day", "incomplete_day"),
        (["5", "", ""], "Due date must include a month and year", "incomplete_month_year"),
        (["31", "2", "2026"], "Due date must be a real date", "invalid_day"),
        (["29", "2", "2026"], "Due date must be a real date", "invalid_day"),
        (["5", "13", "2026"], "Due date must be a real date", "invalid_month"),
        (["x", "3", "2026"], "Due date must be a real date", "invalid_day"),
        (["5", "3", "26"], "Year must include 4 numbers", "year_length"),
    ],
)
def test_date_field_errors(value, message, code):
    field = GovukDateField(label="Due date")
    with pytest.raises(forms.ValidationError) as caught:
        field.clean(value)
    assert caught.value.messages == [message]
    assert caught.value.code == code


def test_optional_date_field_may_be_left_empty():
    field = GovukDateField(label="Review date", required=False)
    assert field.clean(["", "", ""]) is None
    with pytest.raises(forms.ValidationError):
        field.clean(["1", "", ""])


def test_date_field_messages_keep_acronyms_and_can_be_replaced():
    field = GovukDateField(label="MASH referral date")
    with pytest.raises(forms.ValidationError) as caught:
        field.clean(["", "", ""])
    assert caught.value.messages == ["Enter the MASH referral date"]
    assert lower_first("Date of birth") == "date of birth"
    field = GovukDateField(
        label="Due date", error_messages={"required": "Enter the date the action is due"}
    )
    with pytest.raises(forms.ValidationError) as caught:
        field.clean(["", "", ""])
    assert caught.value.messages == ["Enter the date the action is due"]


def test_date_field_without_label_takes_it_from_the_field_name():
    class Form(BaseForm):
        review_date = GovukDateField()

    form = Form(data={})
    assert not form.is_valid()
    assert form.errors["review_date"] == ["Enter the review date"]


def test_date_field_has_changed():
    field = GovukDateField(label="Due date")
    assert not field.has_changed(datetime.date(2026, 3, 5), ["05", "03", "2026"])
    assert field.has_changed(datetime.date(2026, 3, 5), ["6", "3", "2026"])
    assert field.has_changed(None, ["6", "", ""])
