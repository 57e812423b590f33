"""The rules shared by every form: dates of things already done cannot be in the future, a due
date in the past is saved only once confirmed, fields a move needs are not labelled
"(optional)", and radios reveal the fields that depend on them. No database needed."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.db import models
from django.template import Context, Template

from sightline.core.clocks import today
from sightline.core.forms import BaseForm, GovukDateField, needed
from sightline.core.workflow import Transition, Workflow


def render(source: str, **context) -> str:
    return re.sub(r"\s+", " ", Template(source).render(Context(context)))


def date_data(prefix: str, day) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


# --------------------------------------------------------------------------- done dates


class MeetingForm(BaseForm):
    meeting_date = GovukDateField(label="Meeting date", not_future=True)


def test_the_date_of_something_done_cannot_be_in_the_future():
    form = MeetingForm(date_data("meeting_date", today() + timedelta(days=1)))

    assert not form.is_valid()
    assert form.errors["meeting_date"] == ["Meeting date must be today or in the past"]
    html = render("{% govuk_field form.meeting_date %}", form=form)
    assert "govuk-form-group--error" in html
    assert "Meeting date must be today or in the past" in html


def test_the_date_of_something_done_may_be_today_or_earlier():
    for day in (today(), today() - timedelta(days=400)):
        form = MeetingForm(date_data("meeting_date", day))
        assert form.is_valid(), form.errors
        assert form.cleaned_data["meeting_date"] == day


# --------------------------------------------------------------------------- due dates


class DueForm(forms.Form):
    """A plain Django form: the rule belongs to the field, not to a form class."""

    due_date = GovukDateField(label="Due date", past_due_warning=True)


def test_a_due_date_in_the_past_is_refused_until_it_is_confirmed():
    past = today() - timedelta(days=3)

    first = DueForm(date_data("due_date", past))

    assert not first.is_valid()
    assert first.errors["due_date"] == [
        "Due date is in the past. Check it, or confirm that it is right"
    ]
    html = render("{% govuk_field form.due_date %}", form=first)
    # The warning and the box that confirms it appear beside the date, which keeps what was typed.
    assert "A date that has passed is overdue as soon as it is saved." in html
    assert 'name="due_date_confirm_past" type="checkbox" value="yes">' in html
    assert "Yes, the due date is in the past" in html
    assert f'name="due_date_day" type="text" value="{past.day}"' in html

    confirmed = DueForm({**date_data("due_date", past), "due_date_confirm_past": "yes"})

    assert confirmed.is_valid(), confirmed.errors
    assert confirmed.cleaned_data["due_date"] == past
    again = render("{% govuk_field form.due_date %}", form=confirmed)
    assert 'name="due_date_confirm_past" type="checkbox" value="yes" checked>' in again


def test_a_due_date_today_or_later_needs_no_confirmation_and_shows_no_box():
    for day in (today(), today() + timedelta(days=30)):
        form = DueForm(date_data("due_date", day))
        assert form.is_valid(), form.errors
        assert "confirm_past" not in render("{% govuk_field form.due_date %}", form=form)


def test_a_past_due_date_already_saved_is_not_asked_about_again():
    past = today() - timedelta(days=40)
    form = DueForm(date_data("due_date", past), initial={"due_date": past})
    assert form.is_valid(), form.errors

    moved = DueForm(date_data("due_date", past - timedelta(days=1)), initial={"due_date": past})
    assert not moved.is_valid()


# --------------------------------------------------------------------------- needed fields


FINISH = Workflow(
    name="finish",
    status_field="status",
    states=models.TextChoices("S", "open done"),
    initial="open",
    transitions=(
        Transition(
            name="finish",
            label="Record the finish",
            sources=("open",),
            target="done",
            allowed=lambda user, obj: True,
            who="anyone",
            required=("finish_date",),
        ),
    ),
)


class SectionForm(BaseForm):
    needed_for = FINISH
    finish_date = GovukDateField(label="Finish date", required=False)
    remarks = forms.CharField(label="Remarks", required=False)
    reason = needed(forms.CharField(label="Reason", required=False), before="you close it")


def test_a_field_a_move_needs_is_not_optional_and_says_which_move_needs_it():
    html = render(
        "{% govuk_field form.finish_date %}{% govuk_field form.remarks %}"
        "{% govuk_field form.reason %}",
        form=SectionForm(),
    )

    assert "Finish date (optional)" not in html
    assert "Needed before you record the finish. For example, 27 3 2026" in html
    assert "Reason (optional)" not in html
    assert "Needed before you close it" in html
    # A field nothing needs is still marked optional.
    assert "Remarks (optional)" in html
    # They may still be saved empty.
    assert SectionForm({}).is_valid()


# --------------------------------------------------------------------------- conditional reveal


class RemovalForm(BaseForm):
    when = forms.ChoiceField(
        label="When should it be removed?",
        choices=[("now", "Now"), ("later", "At a set date and time")],
        widget=forms.RadioSelect,
    )
    planned_date = needed(GovukDateField(label="Removal date", required=False))
    planned_time = forms.CharField(label="Time", required=False)
    reveal = {"when": {"later": ("planned_date", "planned_time")}}


def test_a_radio_option_reveals_the_fields_that_depend_on_it():
    html = render("{% for field in form %}{% govuk_field field %}{% endfor %}", form=RemovalForm())

    later = re.search(r'<input class="govuk-radios__input" id="id_when-2"[^>]*>', html).group(0)
    assert 'data-aria-controls="conditional-id_when-2"' in later
    now = re.search(r'<input class="govuk-radios__input" id="id_when"[^>]*>', html).group(0)
    assert "data-aria-controls" not in now
    panel = html.index(
        '<div class="govuk-radios__conditional govuk-radios__conditional--hidden" '
        'id="conditional-id_when-2">'
    )
    # The revealed fields are inside the panel after their option, drawn once.
    assert html.index('id="id_when-2"') < panel < html.index('name="planned_date_day"')
    assert html.index('name="planned_date_day"') < html.index('name="planned_time"')
    assert html.count('name="planned_date_day"') == 1
    assert html.count('name="planned_time"') == 1
    # Needed under its option, so not "(optional)"; the time may be left blank.
    assert "Removal date (optional)" not in html
    assert "Time (optional)" in html


def test_the_chosen_option_shows_its_fields_and_errors_inside_the_panel():
    form = RemovalForm({"when": "later"})
    form.is_valid()
    form.add_error("planned_date", "Enter the removal date")

    html = render("{% govuk_field form.when %}", form=form)

    assert 'class="govuk-radios__conditional" id="conditional-id_when-2"' in html
    assert "govuk-radios__conditional--hidden" not in html
    assert "Enter the removal date" in html
    summary = render("{% govuk_error_summary form %}", form=form)
    assert '<a href="#id_planned_date_day">Enter the removal date</a>' in summary
