"""Form building blocks shared by every app: the GOV.UK date input, a small form mixin, fields
marked as needed for a later move, conditional reveal and refusals shown beside their fields.

Dates:
    GovukDateField(not_future=True)         a date of something already done ("Meeting date
                                            must be today or in the past")
    GovukDateField(past_due_warning=True)   a due date: one in the past (and not the one already
                                            saved) is refused until "Yes, the due date is in the
                                            past" is ticked, which appears with the warning
Labels:
    needed(field, before="you record the review meeting")   not marked "(optional)": the hint
                                            says which move needs it
    BaseForm.needed_for = WORKFLOW          marks every optional field a move of the workflow
                                            requires, with that move in the hint
Conditional reveal:
    BaseForm.reveal = {"when": {"later": ("planned_date", "planned_time")}}
                                            fields shown under a radio option (GOV.UK
                                            `govuk-radios__conditional`; always shown without
                                            JavaScript)
Refusals:
    show_refusal(form, error)               a refused write's messages beside the fields they
                                            are keyed by, the rest at the top
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import pretty_name

DATE_PARTS = ("day", "month", "year")

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Month names written out in full or abbreviated are accepted as well as numbers.
_MONTH_NAMES = {name[:3]: number for number, name in enumerate(_MONTHS, start=1)}
_MONTH_NAMES.update({name: number for number, name in enumerate(_MONTHS, start=1)})
_MONTH_NAMES["sept"] = 9


def lower_first(text: str) -> str:
    """'Due date' -> 'due date', but leave acronyms such as 'MASH referral date' alone."""
    text = str(text)
    if not text or (len(text) > 1 and text[1].isupper()):
        return text
    return text[0].lower() + text[1:]


def error_parts(code: str | None) -> tuple[str, ...]:
    """The date parts an error code points at, for example 'incomplete_day_year' -> day, year.

    Codes that do not name parts (such as 'required' or a form's own errors) point at all
    three."""
    named = set((code or "").split("_"))
    parts = tuple(part for part in DATE_PARTS if part in named)
    return parts or DATE_PARTS


class GovukDateWidget(forms.MultiWidget):
    """Three text inputs (day, month, year) named `<name>_day`, `<name>_month`, `<name>_year`.

    Rendered by the `govuk_field` tag as the GOV.UK date input component."""

    def __init__(self, attrs=None):
        widgets = {
            part: forms.TextInput(attrs={"inputmode": "numeric", **(attrs or {})})
            for part in DATE_PARTS
        }
        super().__init__(widgets, attrs=None)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def id_for_label(self, id_):
        # Labels and error summary links go to the day input.
        return f"{id_}_day" if id_ else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        base_id = (attrs or {}).get("id") or self.attrs.get("id")
        if base_id:
            for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
                subwidget["attrs"]["id"] = f"{base_id}_{part}"
        return context


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK error messages.

    Messages use the field's label: "Enter the due date", "Due date must be a real date",
    "Due date must include a year". Pass `error_messages` to replace any of them; they may
    use %(label)s and %(label_lower)s. The error code names the parts in error (for
    example `incomplete_month_year`) so that only those inputs are highlighted."""

    widget = GovukDateWidget
    default_error_messages = {
        "required": "Enter the %(label_lower)s",
        "incomplete": "%(label)s must include a %(parts)s",
        "invalid": "%(label)s must be a real date",
        "year_length": "Year must include 4 numbers",
        "future": "%(label)s must be today or in the past",
        "past_due": "%(label)s is in the past. Check it, or confirm that it is right",
    }
    default_hint = "For example, 27 3 2026"

    def __init__(self, *, help_text=None, not_future=False, past_due_warning=False, **kwargs):
        """`not_future`: the date of something already done, so never after today.
        `past_due_warning`: a due date, which may be in the past only once the user confirms
        it (a date already saved is not asked about again)."""
        subfields = tuple(forms.CharField(required=False) for _ in DATE_PARTS)
        if not help_text:
            help_text = self.default_hint
        super().__init__(subfields, help_text=help_text, require_all_fields=False, **kwargs)
        self.not_future = not_future
        self.past_due_warning = past_due_warning

    # -- messages ---------------------------------------------------------------------------
    def _label(self) -> str:
        return str(self.label) if self.label else "Date"

    def _error(self, key: str, code: str, **params) -> forms.ValidationError:
        label = self._label()
        values = {"label": label, "label_lower": lower_first(label), **params}
        return forms.ValidationError(self.error_messages[key] % values, code=code)

    # -- parsing ------------------------------------------------------------------------------
    def compress(self, data_list):
        return self.parse(data_list)

    def parse(self, value) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        day, month, year = _split(value)
        present = {"day": day, "month": month, "year": year}
        missing = [part for part in DATE_PARTS if not present[part]]
        if len(missing) == len(DATE_PARTS):
            if self.required:
                raise self._error("required", "required")
            return None
        if missing:
            raise self._error(
                "incomplete", "incomplete_" + "_".join(missing), parts=" and ".join(missing)
            )
        numbers = {
            "day": _to_int(day),
            "month": _to_int(month) or _MONTH_NAMES.get(month.lower().rstrip(".")),
            "year": _to_int(year),
        }
        limits = {"day": 31, "month": 12, "year": 9999}
        wrong = [
            part
            for part in DATE_PARTS
            if numbers[part] is None or not 1 <= numbers[part] <= limits[part]
        ]
        if wrong:
            raise self._error("invalid", "invalid_" + "_".join(wrong))
        if len(year) != 4:
            raise self._error("year_length", "year_length")
        try:
            return datetime.date(numbers["year"], numbers["month"], numbers["day"])
        except ValueError:
            raise self._error("invalid", "invalid_day") from None

    def clean(self, value):
        if self.disabled and not isinstance(value, list | tuple):
            return self.parse(value)
        result = self.parse(value)
        if result is not None:
            self.run_validators(result)
            if self.not_future and result > _today():
                raise self._error("future", "future")
        return result

    def _clean_bound_field(self, bf):
        # Django's hook for a field that needs more than its own value (FileField uses it for
        # the initial file): a past due date needs the saved date and the confirmation box.
        result = super()._clean_bound_field(bf)
        if not self.past_due_warning or self.disabled or result is None or result >= _today():
            return result
        try:
            saved = self.parse(bf.initial)
        except forms.ValidationError:
            saved = None
        if result != saved and not past_date_confirmed(bf):
            raise self._error("past_due", "past_due")
        return result

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            return self.parse(data) != self.parse(initial)
        except forms.ValidationError:
            return True


def _today() -> datetime.date:
    from sightline.core.clocks import today  # reads the database's calendar module lazily

    return today()


def past_date_confirm_name(html_name: str) -> str:
    """The name of the "Yes, the … is in the past" box that goes with a due date."""
    return f"{html_name}_confirm_past"


def past_date_confirmed(bound_field) -> bool:
    data = bound_field.form.data
    return data.get(past_date_confirm_name(bound_field.html_name)) in ("yes", "true", "on", "1")


def _split(value) -> tuple[str, str, str]:
    """Day, month and year as stripped strings from the widget's list of values."""
    if not isinstance(value, list | tuple):
        value = ()
    parts = [("" if part is None else str(part)).strip() for part in value[:3]]
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def _to_int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,4}", text) else None


def needed(field: forms.Field, before: str = "") -> forms.Field:
    """Mark a field that may be left empty on this form but is not optional: a move needs it
    (the workflow checks it), or the radio option that reveals it does (the form checks it).
    Its label is not marked "(optional)". With `before` ("you record the review meeting") the
    hint starts "Needed before you record the review meeting"."""
    if getattr(field, "needed", False):
        return field
    field.needed = True
    if before:
        note = f"Needed before {before}"
        field.help_text = f"{note}. {field.help_text}" if field.help_text else note
    return field


def show_refusal(form, error, *, aliases: Mapping[str, str] | None = None) -> None:
    """Put a refused write's messages on the form: each beside the field it is keyed by (or
    the form field `aliases` names for that model field, such as the date of a date and time),
    the rest at the top. The error summary then links to each field."""
    aliases = {**getattr(form, "aliases", {}), **(aliases or {})}
    if hasattr(error, "error_dict"):
        by_field = error.message_dict
    else:
        by_field = {NON_FIELD_ERRORS: list(error.messages)}
    for name, messages in by_field.items():
        target = aliases.get(name, name)
        form.add_error(target if target in form.fields else None, messages)


class GovukFormMixin:
    """Small conveniences for forms rendered with the `govuk_field` tag.

    - no browser validation attributes (GOV.UK forms validate on the server);
    - no label suffix;
    - date fields without a label take one from their name, so their messages read well;
    - `needed_for`: a workflow whose moves require some of the form's optional fields, which
      are then labelled as needed before that move (see `needed()`);
    - `reveal`: fields shown under a radio option, {radio: {value: (field, ...)}}; the radio
      renders them, so a template that draws every field draws them once."""

    use_required_attribute = False
    needed_for = None
    reveal: Mapping[str, Mapping[str, tuple[str, ...]]] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, GovukDateField) and not field.label:
                field.label = pretty_name(name)
        if self.needed_for is not None:
            for t in self.needed_for.transitions:
                for name in t.required:
                    field = self.fields.get(name)
                    if field is not None and not field.required:
                        needed(field, before=f"you {lower_first(t.label)}")

    def revealed_by(self, name: str) -> str | None:
        """The radio field under whose option `name` is shown, if any."""
        for radio, options in self.reveal.items():
            if any(name in names for names in options.values()):
                return radio
        return None


class BaseForm(GovukFormMixin, forms.Form):
    """A plain form for GOV.UK pages."""


class BaseModelForm(GovukFormMixin, forms.ModelForm):
    """A model form for GOV.UK pages."""
