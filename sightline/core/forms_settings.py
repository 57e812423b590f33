"""Settings forms for core reference data: themes, calendar overrides and clocks.

Each carries the record's version in a hidden field so a stale edit is refused, not saved.
The forms only validate; the views pass the cleaned data to the services."""

from __future__ import annotations

from django import forms

from sightline.core.forms import BaseModelForm, GovukDateField
from sightline.core.models import CalendarOverride, ClockDefinition, Theme


class VersionedModelForm(BaseModelForm):
    """A model form with the hidden version, required when editing an existing record."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].required = True
            if not self.is_bound:
                self.initial["version"] = self.instance.version

    @property
    def changes(self) -> dict:
        """The cleaned values of the model's fields, without the version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ThemeForm(VersionedModelForm):
    class Meta:
        model = Theme
        fields = ["name", "kind", "description"]
        labels = {"name": "Theme name", "kind": "Type of theme", "description": "Description"}
        help_texts = {"description": "One sentence saying what the theme covers"}
        widgets = {"kind": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {
                "required": "Enter the theme name",
                "max_length": "Theme name must be 120 characters or fewer",
            },
            "kind": {"required": "Select the type of theme"},
        }

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        clash = Theme.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if clash is not None and clash.is_archived:
            raise forms.ValidationError(
                "An archived theme already has this name. Restore it from the list of themes"
            )
        if clash is not None:
            raise forms.ValidationError("A theme with this name already exists")
        return name


class CalendarOverrideForm(VersionedModelForm):
    date = GovukDateField(label="Date", error_messages={"required": "Enter the date"})

    class Meta:
        model = CalendarOverride
        fields = ["date", "kind", "name"]
        labels = {"kind": "Is this a working day?", "name": "Description"}
        help_texts = {"name": "For example, Office closure between Christmas and New Year"}
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "kind": {"required": "Select whether this is a working day"},
            "name": {
                "required": "Enter a description",
                "max_length": "Description must be 120 characters or fewer",
            },
        }

    def clean_date(self):
        day = self.cleaned_data["date"]
        clash = CalendarOverride.objects.filter(date=day).exclude(pk=self.instance.pk).first()
        if clash is None:
            return day
        if not clash.is_archived:
            raise forms.ValidationError("There is already an override for this date")
        if self.instance.pk:
            raise forms.ValidationError(
                "This date had an override that was archived. Add a new override for it instead"
            )
        return day  # a new override for this date brings the archived record back

    def validate_unique(self):
        # Dates are checked in clean_date, which allows reusing an archived override's date.
        pass


class ClockForm(VersionedModelForm):
    length = forms.IntegerField(
        label="Length",
        min_value=1,
        max_value=1000,
        error_messages={
            "required": "Enter the length",
            "invalid": "Length must be a whole number, like 15",
            "min_value": "Length must be 1 or more",
            "max_value": "Length must be 1,000 or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )
    due_soon_working_days = forms.IntegerField(
        label="Show as due soon from",
        min_value=0,
        max_value=250,
        help_text="Working days before the due date",
        error_messages={
            "required": "Enter how many working days before it is due",
            "invalid": "Enter a whole number of working days, like 5",
            "min_value": "Working days must be 0 or more",
            "max_value": "Working days must be 250 or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )

    class Meta:
        model = ClockDefinition
        fields = ["length", "due_soon_working_days", "source"]
        labels = {"source": "Source"}
        help_texts = {"source": "The guidance or regulation that sets this deadline"}
        widgets = {"source": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"source": {"required": "Enter the source of this deadline"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unit = self.instance.get_unit_display().lower() if self.instance.pk else ""
        if unit:
            self.fields["length"].label = f"Length in {unit}"
