"""The {% govuk_field %} and {% govuk_error_summary %} tags: every field component, with and
without errors, escaping what users type. No database needed."""

import datetime
import re

from django import forms
from django.template import Context, Template

from sightline.core.forms import BaseForm, GovukDateField


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
