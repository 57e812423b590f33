"""Form building blocks shared by every app: the GOV.UK date input and a small form mixin."""

from __future__ import annotations

import datetime
import re

from django import forms
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
    }
    default_hint = "For example, 27 3 2026"

    def __init__(self, *, help_text=None, **kwargs):
        subfields = tuple(forms.CharField(required=False) for _ in DATE_PARTS)
        if not help_text:
            help_text = self.default_hint
        super().__init__(subfields, help_text=help_text, require_all_fields=False, **kwargs)

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
        return result

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            return self.parse(data) != self.parse(initial)
        except forms.ValidationError:
            return True


def _split(value) -> tuple[str, str, str]:
    """Day, month and year as stripped strings from the widget's list of values."""
    if not isinstance(value, list | tuple):
        value = ()
    parts = [("" if part is None else str(part)).strip() for part in value[:3]]
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def _to_int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,4}", text) else None


class GovukFormMixin:
    """Small conveniences for forms rendered with the `govuk_field` tag.

    - no browser validation attributes (GOV.UK forms validate on the server);
    - no label suffix;
    - date fields without a label take one from their name, so their messages read well."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, GovukDateField) and not field.label:
                field.label = pretty_name(name)


class BaseForm(GovukFormMixin, forms.Form):
    """A plain form for GOV.UK pages."""


class BaseModelForm(GovukFormMixin, forms.ModelForm):
    """A model form for GOV.UK pages."""
