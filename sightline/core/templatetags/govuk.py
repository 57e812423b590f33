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
    {% scroll_table %}<table>…</table>{% endscroll_table %}
                                              a data table that scrolls sideways on its own
Filters:
    govuk_date      5 March 2026
    govuk_time      2:30pm, 12pm (noon), 12am (midnight)
    govuk_datetime  5 March 2026 at 2:30pm

The field components themselves are rendered by `sightline.core.govuk_widgets`.
"""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo
from collections.abc import Iterable

from django import forms, template
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

from sightline.core.forms import GovukDateWidget
from sightline.core.govuk_widgets import css_classes, html_attrs, join_html, render_field

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
TAG_COLOURS = {"grey", "green", "teal", "purple", "magenta", "red", "orange", "yellow"}


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
        join_html(*rows),
    )


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
    field's own), autocomplete, spellcheck, rows (textarea), form_group_classes.

    A field the form reveals under a radio option (`reveal`) is drawn by that radio, so here
    it draws nothing."""
    if not isinstance(bound_field, BoundField):
        raise template.TemplateSyntaxError("govuk_field needs a bound form field, e.g. form.name")
    if bound_field.is_hidden:
        return bound_field.as_widget()
    revealed_by = getattr(bound_field.form, "revealed_by", None)
    if revealed_by is not None and revealed_by(bound_field.name):
        return ""
    options.update(
        label_size=label_size,
        is_page_heading=is_page_heading,
        classes=classes,
        label=label,
        hint=hint,
    )
    return render_field(bound_field, options)


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
    class_names = css_classes(
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
        html_attrs(
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
        '<strong class="{}">{}</strong>', css_classes("govuk-tag", modifier, classes), text
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
        css_classes("govuk-table__header", classes),
        _sort_state(context, field, default),
        _sort_link(context, field, label, default),
    )


@register.simple_tag(takes_context=True)
def export_url(context, file_format):
    """The current URL's query string with format=csv|xlsx|docx|pdf; pagination dropped."""
    return _query(context, drop=("page",), format=file_format)


_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.IGNORECASE | re.DOTALL)


class ScrollTableNode(template.Node):
    def __init__(self, nodelist, label):
        self.nodelist = nodelist
        self.label = label

    def render(self, context):
        inner = self.nodelist.render(context)
        label = self.label.resolve(context) if self.label is not None else ""
        if not label:
            found = _CAPTION.search(inner)
            label = html.unescape(strip_tags(found.group(1))) if found else ""
        label = " ".join(str(label).split())
        if not label:
            raise template.TemplateSyntaxError("scroll_table needs a table caption or a label")
        return format_html(
            '<div class="app-table-scroll" role="region" aria-label="{}" tabindex="0">{}</div>',
            label,
            mark_safe(inner),  # the template's own output, escaped as it was rendered
        )


@register.tag
def scroll_table(parser, token):
    """{% scroll_table %}<table class="govuk-table">…</table>{% endscroll_table %}

    Wraps a data table in a container that scrolls sideways when the table is wider than the
    screen, so the page itself does not (WCAG 1.4.10 Reflow, phones and 400% zoom). The
    container is a region named by the table's caption (or by a label given to the tag, as in
    {% scroll_table "Deadlines" %}) that the keyboard can reach and scroll."""
    bits = token.split_contents()[1:]
    if len(bits) > 1:
        raise template.TemplateSyntaxError("scroll_table takes at most one label")
    label = parser.compile_filter(bits[0]) if bits else None
    nodelist = parser.parse(("endscroll_table",))
    parser.delete_first_token()
    return ScrollTableNode(nodelist, label)
