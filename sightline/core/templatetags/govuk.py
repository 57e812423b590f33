"""GOV.UK Design System tags and filters, loaded into every template as a builtin.

Every value that could come from a user is escaped with format_html/conditional_escape.

Tags:
    {% govuk_error_summary form %}            also a list of forms, or several forms
    {% govuk_field form.name label_size="m" is_page_heading=True classes="..." %}
    {% govuk_button "Save" secondary=True warning=True name="action" value="save" %}
    {% govuk_tag "Overdue" "red" %}
    {% page_url 3 %}                          current query string with page=3
    {% elided_pages page_obj as pages %}      page numbers with ellipses for pagination
    {% sort_link "due_date" "Due date" %}     link that toggles ?sort=due_date / -due_date
    {% sort_header "due_date" "Due date" %}   table header cell with aria-sort and the link
    {% export_url "csv" %}                    current URL with format=csv
Filters:
    govuk_date      5 March 2026
    govuk_time      2:30pm, 12pm (noon), 12am (midnight)
    govuk_datetime  5 March 2026 at 2:30pm
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from sightline.core.forms import DATE_PARTS, GovukDateWidget, error_parts

register = template.Library()

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BLANK_CHOICE_LABEL = "---------"
DJANGO_TEXTAREA_ROWS = "10"
LINE_BREAK = mark_safe("<br>")  # a constant, never user input
TAG_COLOURS = {"grey", "green", "teal", "purple", "magenta", "red", "orange", "yellow"}
LABEL_SIZES = {"xl", "l", "m", "s"}
# Attributes the tags set themselves, or that GOV.UK advises against (validation is done on
# the server so that errors are shown in the GOV.UK way).
OWN_ATTRS = {"id", "name", "type", "value", "class", "required", "maxlength", "minlength"}


# ---------------------------------------------------------------------------------------------
# Small HTML helpers
# ---------------------------------------------------------------------------------------------


def _attrs(attrs: dict) -> SafeString:
    """Render attributes: True -> bare attribute, False/None/"" -> left out; values escaped."""
    parts = []
    for key, value in attrs.items():
        if value is None or value is False or value == "":
            continue
        if value is True:
            parts.append(format_html(" {}", key))
        else:
            parts.append(format_html(' {}="{}"', key, value))
    return _join(*parts)


def _join(*pieces) -> SafeString:
    """Join pieces of HTML, skipping empty ones; pieces not already safe are escaped."""
    return format_html_join("", "{}", ((piece,) for piece in pieces if piece))


def _classes(*names) -> str:
    return " ".join(str(name) for name in names if name)


def _widget_attrs(widget: forms.Widget) -> dict:
    return {key: value for key, value in widget.attrs.items() if key not in OWN_ATTRS}


# ---------------------------------------------------------------------------------------------
# Error summary
# ---------------------------------------------------------------------------------------------


def anchor_id(bound_field: BoundField) -> str:
    """The id an error summary link goes to: the field's input, or the day of a date."""
    auto_id = bound_field.auto_id or bound_field.html_name
    if isinstance(bound_field.field.widget, GovukDateWidget):
        return f"{auto_id}_day"
    return auto_id


def _forms_in(value) -> list:
    """Forms from a form, a formset, or a list of either."""
    if value is None or value == "":
        return []
    if isinstance(value, forms.BaseForm):
        return [value]
    if hasattr(value, "forms") and hasattr(value, "non_form_errors"):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        found = []
        for item in value:
            found.extend(_forms_in(item))
        return found
    return []


def _error_items(form) -> list[tuple[str, str]]:
    """(href, message) pairs for a form or formset, in page order; href may be empty."""
    items: list[tuple[str, str]] = []
    if hasattr(form, "non_form_errors"):  # a formset
        items.extend(("", str(error)) for error in form.non_form_errors())
        for member in form.forms:
            items.extend(_error_items(member))
        return items
    if not form.is_bound:
        return items
    items.extend(("", str(error)) for error in form.non_field_errors())
    for bound_field in form:
        href = "" if bound_field.is_hidden else "#" + anchor_id(bound_field)
        items.extend((href, str(error)) for error in bound_field.errors)
    return items


@register.simple_tag
def govuk_error_summary(*form_list, title="There is a problem"):
    """GOV.UK error summary for one or more forms (or formsets); nothing when there are none."""
    items = []
    for form in _forms_in(list(form_list)):
        items.extend(_error_items(form))
    if not items:
        return ""
    rows = []
    for href, message in items:
        if href:
            rows.append(format_html('<li><a href="{}">{}</a></li>', href, message))
        else:
            rows.append(format_html("<li>{}</li>", message))
    return format_html(
        '<div class="govuk-error-summary" data-module="govuk-error-summary">'
        '<div role="alert">'
        '<h2 class="govuk-error-summary__title">{}</h2>'
        '<div class="govuk-error-summary__body">'
        '<ul class="govuk-list govuk-error-summary__list">{}</ul>'
        "</div></div></div>",
        title,
        _join(*rows),
    )


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


class _Field:
    """What every component needs to know about a bound field."""

    def __init__(self, bound_field: BoundField, options: dict):
        self.bf = bound_field
        self.widget = bound_field.field.widget
        self.options = options
        self.id = bound_field.auto_id or bound_field.html_name
        self.name = bound_field.html_name
        self.errors = [str(error) for error in bound_field.errors]
        help_text = options.get("hint")
        if help_text is None:
            help_text = bound_field.help_text
        self.hint = help_text or ""
        self.hint_id = f"{self.id}-hint" if self.hint else ""
        self.error_id = f"{self.id}-error" if self.errors else ""

    # -- pieces -----------------------------------------------------------------------------
    def label_text(self, *, mark_optional: bool = True):
        label = self.options.get("label")
        if label is None:
            label = self.bf.label
        if mark_optional and not self.bf.field.required:
            return format_html("{} (optional)", label)
        return conditional_escape(label)

    def size(self) -> str:
        size = self.options.get("label_size") or (
            "l" if self.options.get("is_page_heading") else ""
        )
        return size if size in LABEL_SIZES else ""

    def described_by(self, *extra) -> str:
        existing = self.widget.attrs.get("aria-describedby", "")
        return _classes(existing, self.hint_id, self.error_id, *extra)

    def hint_html(self, *, extra_class: str = "", hint_id: str = ""):
        if not self.hint:
            return ""
        return format_html(
            '<div id="{}" class="{}">{}</div>',
            hint_id or self.hint_id,
            _classes("govuk-hint", extra_class),
            self.hint,
        )

    def error_html(self):
        if not self.errors:
            return ""
        messages = format_html_join(LINE_BREAK, "{}", ((error,) for error in self.errors))
        return format_html(
            '<p id="{}" class="govuk-error-message">'
            '<span class="govuk-visually-hidden">Error:</span> {}</p>',
            self.error_id,
            messages,
        )

    def label_html(self):
        label = format_html(
            '<label class="{}" for="{}">{}</label>',
            _classes("govuk-label", self.size() and f"govuk-label--{self.size()}"),
            self.id,
            self.label_text(),
        )
        if self.options.get("is_page_heading"):
            return format_html('<h1 class="govuk-label-wrapper">{}</h1>', label)
        return label

    def form_group(self, *content):
        group_class = _classes(
            "govuk-form-group",
            self.errors and "govuk-form-group--error",
            self.options.get("form_group_classes"),
        )
        return format_html('<div class="{}">{}</div>', group_class, _join(*content))

    def fieldset(self, content, *, mark_optional: bool = True, role: str = ""):
        size = self.size()
        legend_text = self.label_text(mark_optional=mark_optional)
        if self.options.get("is_page_heading"):
            legend_text = format_html('<h1 class="govuk-fieldset__heading">{}</h1>', legend_text)
        legend = format_html(
            '<legend class="{}">{}</legend>',
            _classes("govuk-fieldset__legend", size and f"govuk-fieldset__legend--{size}"),
            legend_text,
        )
        return format_html(
            '<fieldset class="govuk-fieldset"{}>{}{}</fieldset>',
            _attrs({"role": role, "aria-describedby": self.described_by()}),
            legend,
            content,
        )

    def value(self):
        return self.bf.value()

    def choice_options(self):
        """(value, label, selected) for each option, with (group, options) for optgroups."""
        values = self.widget.format_value(self.value())
        groups = self.widget.optgroups(self.name, values)
        return [
            (group_name, [(opt["value"], opt["label"], opt["selected"]) for opt in options])
            for group_name, options, _index in groups
        ]


def _input_type(widget: forms.Widget) -> tuple[str, dict]:
    """The input type and any extra attributes GOV.UK recommends for it."""
    if isinstance(widget, forms.EmailInput):
        return "email", {"spellcheck": "false"}
    if isinstance(widget, forms.URLInput):
        return "url", {"spellcheck": "false"}
    if isinstance(widget, forms.PasswordInput):
        return "password", {}
    if isinstance(widget, forms.NumberInput):
        # GOV.UK advises against type="number": a text input with a numeric keypad instead.
        step = str(widget.attrs.get("step", ""))
        return "text", {"inputmode": "decimal" if step and step != "1" else "numeric"}
    return getattr(widget, "input_type", "text") or "text", {}


def _render_input(f: _Field):
    widget = f.widget
    input_type, extra = _input_type(widget)
    value = f.value()
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        value = None
    value = widget.format_value(value)
    attrs = {
        **extra,
        **{k: v for k, v in _widget_attrs(widget).items() if k not in {"step", "min", "max"}},
    }
    if f.options.get("autocomplete"):
        attrs["autocomplete"] = f.options["autocomplete"]
    if "spellcheck" in f.options:
        attrs["spellcheck"] = "true" if f.options["spellcheck"] else "false"
    attrs["aria-describedby"] = f.described_by()
    element = format_html(
        '<input class="{}" id="{}" name="{}" type="{}"{}{}>',
        _classes(
            "govuk-input",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-input--error",
        ),
        f.id,
        f.name,
        input_type,
        _attrs({"value": value}) if value not in (None, "") else "",
        _attrs(attrs),
    )
    return f.form_group(f.label_html(), f.hint_html(), f.error_html(), element)


def _render_textarea(f: _Field):
    widget = f.widget
    attrs = {k: v for k, v in _widget_attrs(widget).items() if k not in {"rows", "cols"}}
    attrs["aria-describedby"] = f.described_by()
    rows = widget.attrs.get("rows")
    if str(rows) == DJANGO_TEXTAREA_ROWS:
        rows = None  # Django's default, not a choice made by the form
    rows = f.options.get("rows") or rows or 5
    value = widget.format_value(f.value()) or ""
    element = format_html(
        '<textarea class="{}" id="{}" name="{}" rows="{}"{}>\n{}</textarea>',
        _classes(
            "govuk-textarea",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-textarea--error",
        ),
        f.id,
        f.name,
        rows,
        _attrs(attrs),
        value,
    )
    return f.form_group(f.label_html(), f.hint_html(), f.error_html(), element)


def _option(value, label, selected):
    return format_html(
        '<option value="{}"{}>{}</option>', value, " selected" if selected else "", label
    )


def _render_select(f: _Field):
    widget = f.widget
    attrs = _widget_attrs(widget)
    attrs["aria-describedby"] = f.described_by()
    if widget.allow_multiple_selected:
        attrs["multiple"] = True
    rendered = []
    for group_name, options in f.choice_options():
        inner = _join(*(_option(*option) for option in options))
        if group_name is None:
            rendered.append(inner)
        else:
            rendered.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, inner))
    element = format_html(
        '<select class="{}" id="{}" name="{}"{}>{}</select>',
        _classes(
            "govuk-select",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-select--error",
        ),
        f.id,
        f.name,
        _attrs(attrs),
        _join(*rendered),
    )
    return f.form_group(f.label_html(), f.hint_html(), f.error_html(), element)


def _render_choices(f: _Field, kind: str):
    """Radios (kind 'radios') or checkboxes (kind 'checkboxes') in a fieldset.

    The first input has the field's own id so that error summary links reach it; the rest
    are numbered from 2, as in the GOV.UK components."""
    input_type = "radio" if kind == "radios" else "checkbox"
    items = []
    number = 0
    for group_name, options in f.choice_options():
        if group_name is not None:
            items.append(format_html('<div class="govuk-{}__divider">{}</div>', kind, group_name))
        for value, label, selected in options:
            if str(value) == "" and str(label) == BLANK_CHOICE_LABEL:
                continue
            number += 1
            item_id = f.id if number == 1 else f"{f.id}-{number}"
            items.append(
                format_html(
                    '<div class="govuk-{kind}__item">'
                    '<input class="govuk-{kind}__input" id="{id}" name="{name}" type="{type}" '
                    'value="{value}"{checked}>'
                    '<label class="govuk-label govuk-{kind}__label" for="{id}">{label}</label>'
                    "</div>",
                    kind=kind,
                    id=item_id,
                    name=f.name,
                    type=input_type,
                    value=value,
                    checked=" checked" if selected else "",
                    label=label,
                )
            )
    group = format_html(
        '<div class="{}" data-module="govuk-{}">{}</div>',
        _classes(f"govuk-{kind}", f.options.get("classes")),
        kind,
        _join(*items),
    )
    content = _join(f.hint_html(), f.error_html(), group)
    return f.form_group(f.fieldset(content, mark_optional=kind == "radios"))


def _render_checkbox(f: _Field):
    """A single checkbox (BooleanField): the checkboxes component with one item."""
    widget = f.widget
    checked = bool(widget.check_test(f.value()))
    item_hint_id = f"{f.id}-item-hint" if f.hint else ""
    described_by = _classes(widget.attrs.get("aria-describedby"), f.error_id, item_hint_id)
    attrs = _widget_attrs(widget)
    attrs["aria-describedby"] = described_by
    item = format_html(
        '<div class="govuk-checkboxes__item">'
        '<input class="govuk-checkboxes__input" id="{}" name="{}" type="checkbox" value="true"'
        "{}{}>"
        '<label class="govuk-label govuk-checkboxes__label" for="{}">{}</label>{}'
        "</div>",
        f.id,
        f.name,
        " checked" if checked else "",
        _attrs(attrs),
        f.id,
        f.label_text(mark_optional=False),
        f.hint_html(extra_class="govuk-checkboxes__hint", hint_id=item_hint_id),
    )
    group = format_html(
        '<div class="{}" data-module="govuk-checkboxes">{}</div>',
        _classes("govuk-checkboxes", f.options.get("classes")),
        item,
    )
    return f.form_group(f.error_html(), group)


def _render_file(f: _Field):
    widget = f.widget
    attrs = _widget_attrs(widget)
    if getattr(widget, "allow_multiple_selected", False):
        attrs["multiple"] = True
    attrs["aria-describedby"] = f.described_by()
    element = format_html(
        '<input class="{}" id="{}" name="{}" type="file"{}>',
        _classes(
            "govuk-file-upload",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-file-upload--error",
        ),
        f.id,
        f.name,
        _attrs(attrs),
    )
    return f.form_group(f.label_html(), f.hint_html(), f.error_html(), element)


def _date_error_parts(f: _Field) -> set[str]:
    if not f.errors:
        return set()
    data = f.bf.form.errors.as_data().get(f.bf.name, [])
    parts: set[str] = set()
    for error in data:
        parts.update(error_parts(error.code))
    return parts or set(DATE_PARTS)


def _render_date(f: _Field):
    widget = f.widget
    value = f.value()
    if not isinstance(value, list | tuple):
        value = widget.decompress(value)
    value = list(value) + [None] * (3 - len(value))
    in_error = _date_error_parts(f)
    items = []
    for index, part in enumerate(DATE_PARTS):
        subwidget = widget.widgets[index]
        part_id = f"{f.id}_{part}"
        attrs = {"inputmode": "numeric", **_widget_attrs(subwidget)}
        part_value = value[index]
        items.append(
            format_html(
                '<div class="govuk-date-input__item"><div class="govuk-form-group">'
                '<label class="govuk-label govuk-date-input__label" for="{}">{}</label>'
                '<input class="{}" id="{}" name="{}" type="text"{}{}>'
                "</div></div>",
                part_id,
                part.capitalize(),
                _classes(
                    "govuk-input govuk-date-input__input",
                    "govuk-input--width-4" if part == "year" else "govuk-input--width-2",
                    part in in_error and "govuk-input--error",
                ),
                part_id,
                f"{f.name}_{part}",
                _attrs({"value": part_value}) if part_value not in (None, "") else "",
                _attrs(attrs),
            )
        )
    group = format_html(
        '<div class="{}" id="{}">{}</div>',
        _classes("govuk-date-input", f.options.get("classes")),
        f.id,
        _join(*items),
    )
    content = _join(f.hint_html(), f.error_html(), group)
    return f.form_group(f.fieldset(content, role="group"))


def _render_other(f: _Field):
    """Any other widget: Django's own rendering inside a GOV.UK form group."""
    element = f.bf.as_widget(attrs={"aria-describedby": f.described_by() or None})
    return f.form_group(f.label_html(), f.hint_html(), f.error_html(), element)


def _renderer_for(widget: forms.Widget):
    if isinstance(widget, GovukDateWidget):
        return _render_date
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return lambda f: _render_choices(f, "checkboxes")
    if isinstance(widget, forms.RadioSelect):
        return lambda f: _render_choices(f, "radios")
    if isinstance(widget, forms.Select):
        return _render_select
    if isinstance(widget, forms.Textarea):
        return _render_textarea
    if isinstance(widget, forms.CheckboxInput):
        return _render_checkbox
    if isinstance(widget, forms.FileInput):
        return _render_file
    if isinstance(widget, Input) and not isinstance(widget, forms.MultipleHiddenInput):
        return _render_input
    return _render_other


@register.simple_tag
def govuk_field(
    bound_field,
    label_size="",
    is_page_heading=False,
    classes="",
    label=None,
    hint=None,
    **options,
):
    """The GOV.UK component for a bound field, chosen by its widget.

    Options: label_size ("xl", "l", "m", "s"), is_page_heading, classes (added to the input,
    textarea, select, radios, checkboxes or date input), label and hint (replace the
    field's own), autocomplete, spellcheck, rows (textarea), form_group_classes."""
    if not isinstance(bound_field, BoundField):
        raise template.TemplateSyntaxError("govuk_field needs a bound form field, e.g. form.name")
    if bound_field.is_hidden:
        return bound_field.as_widget()
    options.update(
        label_size=label_size,
        is_page_heading=is_page_heading,
        classes=classes,
        label=label,
        hint=hint,
    )
    field = _Field(bound_field, options)
    return _renderer_for(bound_field.field.widget)(field)


# ---------------------------------------------------------------------------------------------
# Buttons and tags
# ---------------------------------------------------------------------------------------------


@register.simple_tag
def govuk_button(
    text,
    secondary=False,
    warning=False,
    name="",
    value="",
    href="",
    classes="",
    prevent_double_click=False,
    button_type="submit",
):
    """A GOV.UK button: a submit button, or a link styled as a button when href is given."""
    class_names = _classes(
        "govuk-button",
        secondary and "govuk-button--secondary",
        warning and "govuk-button--warning",
        classes,
    )
    if href:
        return format_html(
            '<a href="{}" role="button" draggable="false" class="{}" data-module="govuk-button">'
            "{}</a>",
            href,
            class_names,
            text,
        )
    return format_html(
        '<button type="{}" class="{}" data-module="govuk-button"{}>{}</button>',
        button_type,
        class_names,
        _attrs(
            {
                "name": name,
                "value": value,
                "data-prevent-double-click": "true" if prevent_double_click else None,
            }
        ),
        text,
    )


@register.simple_tag
def govuk_tag(text, colour="", classes=""):
    """<strong class="govuk-tag govuk-tag--{colour}">. Blue (the default) needs no modifier."""
    colour = str(colour or "").strip().lower()
    modifier = f"govuk-tag--{colour}" if colour in TAG_COLOURS else ""
    return format_html(
        '<strong class="{}">{}</strong>', _classes("govuk-tag", modifier, classes), text
    )


# ---------------------------------------------------------------------------------------------
# Dates and times
# ---------------------------------------------------------------------------------------------


def _as_london(value):
    """A date, a time or a datetime in Europe/London; None for anything else."""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            return timezone.localtime(value, LONDON)
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value
    return None


def _format_date(value: datetime.date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _format_time(value: datetime.time | datetime.datetime) -> str:
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.minute:
        return f"{hour}:{value.minute:02d}{suffix}"
    return f"{hour}{suffix}"


@register.filter
def govuk_date(value):
    """'5 March 2026' (Europe/London); empty for None."""
    value = _as_london(value)
    if value is None or isinstance(value, datetime.time):
        return ""
    return _format_date(value)


@register.filter
def govuk_time(value):
    """'2:30pm', '9am', '12pm' at noon and '12am' at midnight (Europe/London)."""
    value = _as_london(value)
    if isinstance(value, datetime.datetime | datetime.time):
        return _format_time(value)
    return ""


@register.filter
def govuk_datetime(value):
    """'5 March 2026 at 2:30pm' (Europe/London); just the date for a date."""
    value = _as_london(value)
    if isinstance(value, datetime.datetime):
        return f"{_format_date(value)} at {_format_time(value)}"
    if isinstance(value, datetime.date):
        return _format_date(value)
    return ""


# ---------------------------------------------------------------------------------------------
# Query strings: pagination, sorting, export
# ---------------------------------------------------------------------------------------------


def _query(context, drop=(), **updates) -> str:
    """The current query string with some parameters replaced or removed, starting with '?'."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key in drop:
        params.pop(key, None)
    for key, value in updates.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL's query string with page=number; other parameters kept."""
    return _query(context, page=number)


@register.simple_tag
def elided_pages(page_obj, on_each_side=1, on_ends=1):
    """Page numbers around the current page, with the paginator's ellipsis between runs."""
    paginator = page_obj.paginator
    return list(
        paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends)
    )


def _sort_state(context, field: str, default: str = "") -> str:
    """'ascending', 'descending' or 'none' for a column, from ?sort= (or the default)."""
    request = context.get("request")
    current = (request.GET.get("sort") if request is not None else None) or default or ""
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


def _sort_link(context, field, label, default=""):
    state = _sort_state(context, field, default)
    target = f"-{field}" if state == "ascending" else field
    href = _query(context, drop=("page",), sort=target)
    hidden = arrow = ""
    if state != "none":
        hidden = format_html('<span class="govuk-visually-hidden"> (sorted {})</span>', state)
        arrow = format_html(
            '<span class="app-sort-link__arrow" aria-hidden="true">{}</span>',
            "\u25b2" if state == "ascending" else "\u25bc",
        )
    return format_html(
        '<a class="govuk-link app-sort-link" href="{}" data-sort-direction="{}">{}{}{}</a>',
        href,
        state,
        label,
        hidden,
        arrow,
    )


@register.simple_tag(takes_context=True)
def sort_link(context, field, label, default=""):
    """A link that sorts a table by `field` (?sort=field, then ?sort=-field for descending).

    `default` is the sort in force when the URL has none, for example "-due_date"."""
    return _sort_link(context, field, label, default)


@register.simple_tag(takes_context=True)
def sort_header(context, field, label, default="", classes=""):
    """A sortable <th> with aria-sort, holding the sort link."""
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}">{}</th>',
        _classes("govuk-table__header", classes),
        _sort_state(context, field, default),
        _sort_link(context, field, label, default),
    )


@register.simple_tag(takes_context=True)
def export_url(context, file_format):
    """The current URL's query string with format=csv|xlsx|docx|pdf; pagination dropped."""
    return _query(context, drop=("page",), format=file_format)
