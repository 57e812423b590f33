"""The GOV.UK template tags, filters and date field. No database needed."""

import datetime
import re
import zoneinfo

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory

from sightline.core.forms import BaseForm, GovukDateField, GovukDateWidget, lower_first

UTC = datetime.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")


def render(source, **context):
    return Template(source).render(Context(context))


def field_html(form, name, **options):
    args = " ".join(f"{key}={value}" for key, value in options.items())
    return render("{% govuk_field form." + name + " " + args + " %}", form=form)


def squash(html):
    return re.sub(r"\s+", " ", html)


# ---------------------------------------------------------------------------------------------
# Forms used by the tests
# ---------------------------------------------------------------------------------------------


class ActionForm(BaseForm):
    title = forms.CharField(label="Action title", help_text="Keep it short", max_length=20)
    email = forms.EmailField(
        label="Email address",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(label="Password", widget=forms.PasswordInput, required=False)
    count = forms.IntegerField(label="Number of children", required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea)
    agency = forms.ChoiceField(
        label="Lead agency",
        choices=[("", "Choose an agency"), ("police", "Police"), ("health", "Health")],
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=[("high", "High"), ("low", "Low")],
        widget=forms.RadioSelect,
        help_text="How urgent the action is",
    )
    themes = forms.MultipleChoiceField(
        label="Themes",
        choices=[("neglect", "Neglect"), ("<b>", "<b>Bold</b>")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    confirm = forms.BooleanField(label="I have checked the action", help_text="Tick to confirm")
    due_date = GovukDateField(label="Due date")
    evidence = forms.FileField(label="Evidence", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("title") == "clash":
            raise forms.ValidationError("This action already exists")
        return cleaned


VALID = {
    "title": "Review training",
    "notes": "Some notes",
    "agency": "police",
    "priority": "high",
    "confirm": "true",
    "due_date_day": "5",
    "due_date_month": "3",
    "due_date_year": "2026",
}


def bound(**changes):
    data = {**VALID, **changes}
    for key, value in list(data.items()):
        if value is None:
            del data[key]
    form = ActionForm(data=data)
    form.is_valid()
    return form


# ---------------------------------------------------------------------------------------------
# Error summary
# ---------------------------------------------------------------------------------------------


def test_error_summary_renders_nothing_without_errors():
    assert render("{% govuk_error_summary form %}", form=ActionForm()).strip() == ""
    form = bound()
    assert form.is_valid(), form.errors
    assert render("{% govuk_error_summary form %}", form=form).strip() == ""


def test_error_summary_links_each_field_and_shows_non_field_errors():
    form = bound(title="clash", agency="", priority=None, due_date_year="", notes="")
    html = render("{% govuk_error_summary form %}", form=form)
    assert 'class="govuk-error-summary" data-module="govuk-error-summary"' in html
    assert '<div role="alert">' in html
    assert "There is a problem" in html
    assert "<li>This action already exists</li>" in html
    assert '<a href="#id_notes">' in html
    assert '<a href="#id_agency">' in html
    assert '<a href="#id_priority">' in html
    # Date fields link to the day input.
    assert '<a href="#id_due_date_day">Due date must include a year</a>' in html
    # Links follow the order of the fields on the page.
    assert html.index("#id_notes") < html.index("#id_agency") < html.index("#id_due_date_day")


def test_error_summary_accepts_a_list_of_forms_and_several_forms():
    first = bound(notes="")
    data = {f"second-{key}": value for key, value in VALID.items()}
    second = ActionForm(data={**data, "second-title": ""}, prefix="second")
    second.is_valid()
    html = render("{% govuk_error_summary forms %}", forms=[first, second])
    assert '<a href="#id_notes">' in html
    assert '<a href="#id_second-title">' in html
    html = render("{% govuk_error_summary a b %}", a=first, b=second)
    assert html.count("<li>") == 2


def test_error_summary_escapes_messages():
    class Form(forms.Form):
        name = forms.CharField()

        def clean_name(self):
            raise forms.ValidationError("Bad <script>alert(1)</script>")

    form = Form(data={"name": "x"})
    form.is_valid()
    html = render("{% govuk_error_summary form %}", form=form)
    assert "<script>" not in html
    assert "Bad &lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------------------------------------------------------------------------------------------
# Text inputs
# ---------------------------------------------------------------------------------------------


def test_text_input_without_errors():
    html = field_html(ActionForm(), "title")
    assert '<div class="govuk-form-group">' in html
    assert '<label class="govuk-label" for="id_title">Action title</label>' in html
    assert '<div id="id_title-hint" class="govuk-hint">Keep it short</div>' in html
    assert (
        '<input class="govuk-input" id="id_title" name="title" type="text" '
        'aria-describedby="id_title-hint">'
    ) in html
    assert "govuk-error-message" not in html
    # No browser validation: GOV.UK forms validate on the server.
    assert "required" not in html
    assert "maxlength" not in html


def test_text_input_with_error_keeps_value_and_escapes_it():
    form = bound(title="<script>alert(1)</script> and more than twenty")
    html = field_html(form, "title")
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'class="govuk-input govuk-input--error"' in html
    assert (
        '<p id="id_title-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
    ) in html
    assert 'aria-describedby="id_title-hint id_title-error"' in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt; and more than twenty"' in html
    assert "<script>" not in html


def test_label_and_hint_are_escaped():
    class Form(forms.Form):
        name = forms.CharField(label="<script>label</script>", help_text="<i>hint</i>")

    html = field_html(Form(), "name")
    assert "<script>" not in html
    assert "&lt;script&gt;label&lt;/script&gt;" in html
    assert "&lt;i&gt;hint&lt;/i&gt;" in html


def test_optional_fields_are_marked_and_required_ones_are_not():
    form = ActionForm()
    assert "Email address (optional)</label>" in field_html(form, "email")
    assert "Action title</label>" in field_html(form, "title")
    assert "(optional)" not in field_html(form, "title")


def test_email_input_type_and_autocomplete_pass_through():
    html = field_html(ActionForm(), "email")
    assert 'type="email"' in html
    assert 'spellcheck="false"' in html
    assert 'autocomplete="email"' in html


def test_password_is_not_sent_back():
    html = field_html(bound(password="hunter2", title=""), "password")
    assert 'type="password"' in html
    assert "hunter2" not in html


def test_number_input_uses_a_text_input_with_numeric_keypad():
    html = field_html(bound(count="lots"), "count")
    assert 'type="text"' in html
    assert 'inputmode="numeric"' in html
    assert 'value="lots"' in html
    assert "govuk-input--error" in html


def test_label_size_page_heading_and_classes():
    html = field_html(ActionForm(), "title", label_size='"m"', classes='"govuk-input--width-10"')
    assert 'class="govuk-label govuk-label--m"' in html
    assert 'class="govuk-input govuk-input--width-10"' in html
    html = field_html(ActionForm(), "title", is_page_heading="True")
    assert '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l"' in html


def test_unbound_field_shows_initial_value():
    form = ActionForm(initial={"title": "From initial"})
    assert 'value="From initial"' in field_html(form, "title")


# ---------------------------------------------------------------------------------------------
# Textarea and select
# ---------------------------------------------------------------------------------------------


def test_textarea_keeps_value_escaped_and_shows_error():
    html = field_html(bound(notes=""), "notes")
    assert 'class="govuk-textarea govuk-textarea--error"' in html
    assert 'aria-describedby="id_notes-error"' in html
    html = field_html(bound(notes="</textarea><script>x</script>", title=""), "notes")
    assert "&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>" in html
    assert 'rows="5"' in html


def test_select_keeps_choice_and_shows_error():
    html = field_html(bound(agency="health", title=""), "agency")
    assert '<select class="govuk-select" id="id_agency" name="agency">' in html
    assert '<option value="health" selected>Health</option>' in html
    assert '<option value="police">Police</option>' in html
    html = field_html(bound(agency=""), "agency")
    assert 'class="govuk-select govuk-select--error"' in html
    assert 'aria-describedby="id_agency-error"' in html


# ---------------------------------------------------------------------------------------------
# Radios and checkboxes
# ---------------------------------------------------------------------------------------------


def test_radios_fieldset_without_errors():
    html = field_html(ActionForm(), "priority")
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_priority-hint">' in html
    assert '<legend class="govuk-fieldset__legend">Priority</legend>' in html
    assert '<div class="govuk-radios" data-module="govuk-radios">' in html
    # The first radio has the field's id so the error summary link reaches it.
    assert 'id="id_priority" name="priority" type="radio" value="high"' in html
    assert 'id="id_priority-2" name="priority" type="radio" value="low"' in html
    assert "checked" not in html


def test_radios_with_error_and_kept_choice():
    html = field_html(bound(priority=None), "priority")
    assert "govuk-form-group--error" in html
    assert 'aria-describedby="id_priority-hint id_priority-error"' in html
    html = field_html(bound(priority="low", title=""), "priority")
    assert 'value="low" checked' in html
    assert 'value="high" checked' not in html


def test_radios_legend_as_page_heading():
    html = field_html(ActionForm(), "priority", is_page_heading="True")
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--l">'
        '<h1 class="govuk-fieldset__heading">Priority</h1></legend>'
    ) in html


def test_checkboxes_keep_choices_and_escape_labels():
    html = field_html(bound(themes=["neglect"], title=""), "themes")
    assert '<div class="govuk-checkboxes" data-module="govuk-checkboxes">' in html
    assert 'id="id_themes" name="themes" type="checkbox" value="neglect" checked' in html
    assert 'value="&lt;b&gt;"' in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "<b>" not in html
    assert "(optional)" not in html


def test_single_checkbox():
    html = field_html(ActionForm(), "confirm")
    assert (
        '<input class="govuk-checkboxes__input" id="id_confirm" name="confirm" type="checkbox" '
        'value="true" aria-describedby="id_confirm-item-hint">'
    ) in html
    assert 'class="govuk-hint govuk-checkboxes__hint">Tick to confirm</div>' in html
    html = field_html(bound(confirm=None), "confirm")
    assert "govuk-form-group--error" in html
    assert 'aria-describedby="id_confirm-error id_confirm-item-hint"' in html
    html = field_html(bound(title=""), "confirm")
    assert 'value="true" checked' in html


# ---------------------------------------------------------------------------------------------
# File upload and hidden inputs
# ---------------------------------------------------------------------------------------------


def test_file_upload():
    html = field_html(ActionForm(), "evidence")
    assert '<input class="govuk-file-upload" id="id_evidence" name="evidence" type="file">' in html
    assert "Evidence (optional)</label>" in html

    class Form(forms.Form):
        upload = forms.FileField(label="Upload a file")

    form = Form(data={}, files={})
    form.is_valid()
    html = field_html(form, "upload")
    assert 'class="govuk-file-upload govuk-file-upload--error"' in html
    assert 'aria-describedby="id_upload-error"' in html


def test_hidden_input_is_just_the_input():
    html = field_html(ActionForm(initial={"version": 3}), "version").strip()
    assert html == '<input type="hidden" name="version" value="3" id="id_version">'


# ---------------------------------------------------------------------------------------------
# Date input
# ---------------------------------------------------------------------------------------------


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


def test_date_input_unbound_shows_initial_date():
    html = squash(
        field_html(ActionForm(initial={"due_date": datetime.date(2026, 3, 5)}), "due_date")
    )
    assert (
        '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_due_date-hint">' in html
    )
    assert '<legend class="govuk-fieldset__legend">Due date</legend>' in html
    assert '<div class="govuk-date-input" id="id_due_date">' in html
    assert 'id="id_due_date_day" name="due_date_day" type="text" value="5"' in html
    assert 'id="id_due_date_month" name="due_date_month" type="text" value="3"' in html
    assert 'id="id_due_date_year" name="due_date_year" type="text" value="2026"' in html
    assert "govuk-input--width-4" in html
    assert "govuk-input--error" not in html


def test_date_input_with_missing_year_highlights_only_the_year():
    html = field_html(bound(due_date_year=""), "due_date")
    assert "govuk-form-group--error" in html
    assert "Due date must include a year" in html
    assert 'aria-describedby="id_due_date-hint id_due_date-error"' in html
    assert html.count("govuk-input--error") == 1
    assert "govuk-input--width-4 govuk-input--error" in html
    # Values typed are kept.
    assert 'name="due_date_day" type="text" value="5"' in html


def test_date_input_with_empty_required_date_highlights_all_parts():
    html = field_html(bound(due_date_day="", due_date_month="", due_date_year=""), "due_date")
    assert "Enter the due date" in html
    assert html.count("govuk-input--error") == 3


def test_date_input_escapes_kept_values():
    html = field_html(bound(due_date_day='"><script>x</script>'), "due_date")
    assert "<script>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert "Due date must be a real date" in html


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
