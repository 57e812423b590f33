"""GOV.UK form field components for Django bound fields, behind the `{% govuk_field %}` tag.

`render_field()` picks the component from the widget: text input, textarea, select, radios,
checkboxes, a single checkbox, file upload or date input (anything else is Django's own widget
in a GOV.UK form group). `html_attrs()`, `join_html()` and `css_classes()` serve the other tags
too. Every value that could come from a user is escaped with format_html/conditional_escape.

Radios reveal the fields a form's `reveal` puts under an option (GOV.UK conditional reveal:
`data-aria-controls` on the input, a `govuk-radios__conditional` panel after it, hidden by
GOV.UK Frontend's script until the option is chosen and always shown without it). A due date
(`past_due_warning`) in the past shows a warning and the box that confirms it.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from sightline.core.forms import (
    DATE_PARTS,
    GovukDateWidget,
    error_parts,
    lower_first,
    past_date_confirm_name,
    past_date_confirmed,
)

BLANK_CHOICE_LABEL = "---------"
DJANGO_TEXTAREA_ROWS = "10"
LINE_BREAK = mark_safe("<br>")  # a constant, never user input
LABEL_SIZES = {"xl", "l", "m", "s"}
# Attributes the tags set themselves, or that GOV.UK advises against (validation is done on
# the server so that errors are shown in the GOV.UK way).
OWN_ATTRS = {"id", "name", "type", "value", "class", "required", "maxlength", "minlength"}


# ---------------------------------------------------------------------------------------------
# Small HTML helpers
# ---------------------------------------------------------------------------------------------


def html_attrs(attrs: dict) -> SafeString:
    """Render attributes: True -> bare attribute, False/None/"" -> left out; values escaped."""
    parts = []
    for key, value in attrs.items():
        if value is None or value is False or value == "":
            continue
        if value is True:
            parts.append(format_html(" {}", key))
        else:
            parts.append(format_html(' {}="{}"', key, value))
    return join_html(*parts)


def join_html(*pieces) -> SafeString:
    """Join pieces of HTML, skipping empty ones; pieces not already safe are escaped."""
    return format_html_join("", "{}", ((piece,) for piece in pieces if piece))


def css_classes(*names) -> str:
    return " ".join(str(name) for name in names if name)


def _widget_attrs(widget: forms.Widget) -> dict:
    return {key: value for key, value in widget.attrs.items() if key not in OWN_ATTRS}


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
        field = self.bf.field
        if mark_optional and not field.required and not getattr(field, "needed", False):
            return format_html("{} (optional)", label)
        return conditional_escape(label)

    def size(self) -> str:
        size = self.options.get("label_size") or (
            "l" if self.options.get("is_page_heading") else ""
        )
        return size if size in LABEL_SIZES else ""

    def described_by(self, *extra) -> str:
        existing = self.widget.attrs.get("aria-describedby", "")
        return css_classes(existing, self.hint_id, self.error_id, *extra)

    def hint_html(self, *, extra_class: str = "", hint_id: str = ""):
        if not self.hint:
            return ""
        return format_html(
            '<div id="{}" class="{}">{}</div>',
            hint_id or self.hint_id,
            css_classes("govuk-hint", extra_class),
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
            css_classes("govuk-label", self.size() and f"govuk-label--{self.size()}"),
            self.id,
            self.label_text(),
        )
        if self.options.get("is_page_heading"):
            return format_html('<h1 class="govuk-label-wrapper">{}</h1>', label)
        return label

    def form_group(self, *content):
        group_class = css_classes(
            "govuk-form-group",
            self.errors and "govuk-form-group--error",
            self.options.get("form_group_classes"),
        )
        return format_html('<div class="{}">{}</div>', group_class, join_html(*content))

    def fieldset(self, content, *, mark_optional: bool = True, role: str = ""):
        size = self.size()
        legend_text = self.label_text(mark_optional=mark_optional)
        if self.options.get("is_page_heading"):
            legend_text = format_html('<h1 class="govuk-fieldset__heading">{}</h1>', legend_text)
        legend = format_html(
            '<legend class="{}">{}</legend>',
            css_classes("govuk-fieldset__legend", size and f"govuk-fieldset__legend--{size}"),
            legend_text,
        )
        return format_html(
            '<fieldset class="govuk-fieldset"{}>{}{}</fieldset>',
            html_attrs({"role": role, "aria-describedby": self.described_by()}),
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
        css_classes(
            "govuk-input",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-input--error",
        ),
        f.id,
        f.name,
        input_type,
        html_attrs({"value": value}) if value not in (None, "") else "",
        html_attrs(attrs),
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
        css_classes(
            "govuk-textarea",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-textarea--error",
        ),
        f.id,
        f.name,
        rows,
        html_attrs(attrs),
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
        inner = join_html(*(_option(*option) for option in options))
        if group_name is None:
            rendered.append(inner)
        else:
            rendered.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, inner))
    element = format_html(
        '<select class="{}" id="{}" name="{}"{}>{}</select>',
        css_classes(
            "govuk-select",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-select--error",
        ),
        f.id,
        f.name,
        html_attrs(attrs),
        join_html(*rendered),
    )
    return f.form_group(f.label_html(), f.hint_html(), f.error_html(), element)


def revealed_fields(bound_field: BoundField) -> dict[str, list[BoundField]]:
    """The fields shown under each option of a radio field, by the option's value."""
    form = bound_field.form
    options = (getattr(form, "reveal", None) or {}).get(bound_field.name, {})
    return {str(value): [form[name] for name in names] for value, names in options.items()}


def _conditional(item_id: str, fields: list[BoundField], selected: bool):
    """The panel of fields revealed by one radio option."""
    content = join_html(*(render_field(child, {}) for child in fields))
    return format_html(
        '<div class="{}" id="conditional-{}">{}</div>',
        css_classes(
            "govuk-radios__conditional", not selected and "govuk-radios__conditional--hidden"
        ),
        item_id,
        content,
    )


def _render_choices(f: _Field, kind: str):
    """Radios (kind 'radios') or checkboxes (kind 'checkboxes') in a fieldset.

    The first input has the field's own id so that error summary links reach it; the rest
    are numbered from 2, as in the GOV.UK components. Radio options may reveal fields (the
    form's `reveal`)."""
    input_type = "radio" if kind == "radios" else "checkbox"
    revealed = revealed_fields(f.bf) if kind == "radios" else {}
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
            children = revealed.get(str(value))
            items.append(
                format_html(
                    '<div class="govuk-{kind}__item">'
                    '<input class="govuk-{kind}__input" id="{id}" name="{name}" type="{type}" '
                    'value="{value}"{checked}{controls}>'
                    '<label class="govuk-label govuk-{kind}__label" for="{id}">{label}</label>'
                    "</div>",
                    kind=kind,
                    id=item_id,
                    name=f.name,
                    type=input_type,
                    value=value,
                    checked=" checked" if selected else "",
                    controls=html_attrs(
                        {"data-aria-controls": f"conditional-{item_id}" if children else None}
                    ),
                    label=label,
                )
            )
            if children:
                items.append(_conditional(item_id, children, selected))
    group = format_html(
        '<div class="{}" data-module="govuk-{}">{}</div>',
        css_classes(f"govuk-{kind}", f.options.get("classes")),
        kind,
        join_html(*items),
    )
    content = join_html(f.hint_html(), f.error_html(), group)
    return f.form_group(f.fieldset(content, mark_optional=kind == "radios"))


def _render_checkbox(f: _Field):
    """A single checkbox (BooleanField): the checkboxes component with one item."""
    widget = f.widget
    checked = bool(widget.check_test(f.value()))
    item_hint_id = f"{f.id}-item-hint" if f.hint else ""
    described_by = css_classes(widget.attrs.get("aria-describedby"), f.error_id, item_hint_id)
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
        html_attrs(attrs),
        f.id,
        f.label_text(mark_optional=False),
        f.hint_html(extra_class="govuk-checkboxes__hint", hint_id=item_hint_id),
    )
    group = format_html(
        '<div class="{}" data-module="govuk-checkboxes">{}</div>',
        css_classes("govuk-checkboxes", f.options.get("classes")),
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
        css_classes(
            "govuk-file-upload",
            widget.attrs.get("class"),
            f.options.get("classes"),
            f.errors and "govuk-file-upload--error",
        ),
        f.id,
        f.name,
        html_attrs(attrs),
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
                css_classes(
                    "govuk-input govuk-date-input__input",
                    "govuk-input--width-4" if part == "year" else "govuk-input--width-2",
                    part in in_error and "govuk-input--error",
                ),
                part_id,
                f"{f.name}_{part}",
                html_attrs({"value": part_value}) if part_value not in (None, "") else "",
                html_attrs(attrs),
            )
        )
    group = format_html(
        '<div class="{}" id="{}">{}</div>',
        css_classes("govuk-date-input", f.options.get("classes")),
        f.id,
        join_html(*items),
    )
    content = join_html(f.hint_html(), f.error_html(), group, _past_date_confirmation(f))
    return f.form_group(f.fieldset(content, role="group"))


def _past_date_confirmation(f: _Field):
    """For a due date refused because it is in the past (or already confirmed): the warning
    and the box that says the date is right."""
    field = f.bf.field
    if not getattr(field, "past_due_warning", False) or not f.bf.form.is_bound:
        return ""
    codes = {error.code for error in f.bf.form.errors.as_data().get(f.bf.name, [])}
    confirmed = past_date_confirmed(f.bf)
    if "past_due" not in codes and not confirmed:
        return ""
    box_id = f"{f.id}_confirm_past"
    label = lower_first(f.bf.label)
    return format_html(
        '<div class="govuk-warning-text govuk-!-margin-top-4 govuk-!-margin-bottom-2">'
        '<span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
        '<strong class="govuk-warning-text__text">'
        '<span class="govuk-visually-hidden">Warning</span>'
        "A date that has passed is overdue as soon as it is saved.</strong></div>"
        '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
        '<div class="govuk-checkboxes__item">'
        '<input class="govuk-checkboxes__input" id="{}" name="{}" type="checkbox" value="yes"{}>'
        '<label class="govuk-label govuk-checkboxes__label" for="{}">Yes, the {} is in the past'
        "</label></div></div>",
        box_id,
        past_date_confirm_name(f.name),
        " checked" if confirmed else "",
        box_id,
        label,
    )


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


def render_field(bound_field: BoundField, options: dict) -> SafeString:
    """The GOV.UK component for a visible bound field, chosen by its widget.

    `options` are those of the `govuk_field` tag, with label_size, is_page_heading, classes,
    label and hint always present."""
    field = _Field(bound_field, options)
    return _renderer_for(bound_field.field.widget)(field)
