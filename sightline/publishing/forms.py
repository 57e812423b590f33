"""Forms for the publication pages. They validate input only; services make every change."""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django import forms

from sightline.accounts.people import PersonChoiceField
from sightline.core.documents import ACCEPT
from sightline.core.forms import BaseForm, GovukDateField, needed
from sightline.core.models import Theme
from sightline.core.transition_pages import TransitionForm
from sightline.publishing.models import PublicationPlan

LONDON = zoneinfo.ZoneInfo("Europe/London")
P = PublicationPlan


def parse_time(text: str) -> datetime.time | None:
    """'9am', '9:30am', '2.30pm', '14:30', '12pm' (noon), 'midday'; None if not a time."""
    value = (text or "").strip().lower().replace(" ", "")
    if value in ("midday", "noon"):
        return datetime.time(12, 0)
    if value == "midnight":
        return datetime.time(0, 0)
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm)?", value)
    if not m:
        return None
    hour, minute, suffix = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif m.group(2) is None:
        return None  # "9" alone is ambiguous
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def london_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=LONDON)


class TimeField(forms.CharField):
    default_error_messages = {"invalid": "Enter a real time, for example 9:30am or 2pm"}

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parsed = parse_time(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


def _themes():
    return Theme.objects.filter(active=True, archived_at__isnull=True)


class PlanCreateForm(BaseForm):
    REVIEW, BRIEFING = "review", "briefing"
    SOURCE_CHOICES = [
        (REVIEW, "A practice review report, information about improvements or a summary"),
        (BRIEFING, "A published 7-minute briefing"),
        (P.Kind.YEARLY_REPORT.value, "The yearly report"),
        (P.Kind.OTHER.value, "Something else"),
    ]

    source = forms.ChoiceField(
        label="What are you preparing to publish?",
        choices=SOURCE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you are preparing to publish"},
    )
    case = needed(
        forms.ModelChoiceField(
            label="Case",
            queryset=None,
            required=False,
            help_text="For a full report or information about improvements, the case must be "
            "ready for publication",
        )
    )
    version_kind = forms.ChoiceField(
        label="Version to publish",
        choices=P.Version.choices,
        widget=forms.RadioSelect,
        initial=P.Version.FULL_REPORT,
        required=False,
    )
    briefing = needed(
        forms.ModelChoiceField(
            label="Briefing",
            queryset=None,
            required=False,
            help_text="Its title, summary and text are used",
        )
    )
    title = needed(
        forms.CharField(
            label="Title",
            max_length=200,
            required=False,
            help_text="Not needed for a briefing, whose own title is used",
        )
    )
    summary = needed(
        forms.CharField(
            label="Summary",
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text="Shown in the public library. Do not include names, dates or places. "
            "Not needed for a briefing",
        )
    )
    # Each kind's own fields are shown under its option.
    reveal = {"source": {REVIEW: ("case", "version_kind"), BRIEFING: ("briefing",)}}

    def __init__(self, *args, cases=None, ready_case_ids=(), briefings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ready_case_ids = set(ready_case_ids)
        self.fields["case"].queryset = cases
        self.fields["case"].empty_label = "Select a case"
        self.fields["case"].label_from_instance = lambda c: (
            f"{c.reference} {c.pseudonym}"
            + (" (ready for publication)" if c.pk in self.ready_case_ids else "")
        )
        self.fields["briefing"].queryset = briefings
        self.fields["briefing"].empty_label = "Select a briefing"

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source == self.BRIEFING:
            if not data.get("briefing"):
                self.add_error("briefing", "Select the briefing")
            return data
        if source == self.REVIEW:
            case = data.get("case")
            if not case:
                self.add_error("case", "Select the case")
            version = data.get("version_kind") or P.Version.FULL_REPORT
            data["version_kind"] = version
            if case and version != P.Version.SUMMARY and case.pk not in self.ready_case_ids:
                self.add_error(
                    "case",
                    "Select a case that is ready for publication, or publish a summary",
                )
        if source:
            if not (data.get("title") or "").strip():
                self.add_error("title", "Enter a title")
            if not (data.get("summary") or "").strip():
                self.add_error("summary", "Enter a summary")
        return data


# The checklist dates are needed to submit some plans only.
FROM_A_CASE = "when it comes from a case"
FOR_A_REVIEW = "for a review report"


class PlanEditForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    summary = forms.CharField(
        label="Summary",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown in the public library. Do not include names, dates or places",
        error_messages={"required": "Enter a summary"},
    )
    body = forms.CharField(
        label="Text to publish on the page",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Leave blank if only the file is published",
    )
    version_kind = forms.ChoiceField(
        label="Version to publish", choices=P.Version.choices, widget=forms.RadioSelect
    )
    review_type = forms.CharField(
        label="Type of review", max_length=40, required=False, help_text="For example, LCSPR"
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    anonymisation_checked = forms.BooleanField(
        label="The anonymisation and redaction check is done", required=False
    )
    legal_check_done = forms.BooleanField(
        label="Reporting restrictions and criminal proceedings are checked",
        required=False,
        help_text="With the police senior investigating officer and the Crown Prosecution "
        "Service where there are proceedings",
    )
    family_informed_date = needed(
        GovukDateField(label="Date the family was informed", required=False, not_future=True),
        before=f"you submit it for approval, {FROM_A_CASE}",
    )
    practitioners_briefed_date = needed(
        GovukDateField(label="Date practitioners were briefed", required=False, not_future=True),
        before=f"you submit it for approval, {FROM_A_CASE}",
    )
    communications_plan = forms.CharField(
        label="Communications plan", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    advance_copy_panel_date = needed(
        GovukDateField(
            label="Date the advance copy went to the national Panel",
            required=False,
            not_future=True,
        ),
        before=f"you submit it for approval, {FOR_A_REVIEW}",
    )
    advance_copy_sos_date = needed(
        GovukDateField(
            label="Date the advance copy went to the Secretary of State",
            required=False,
            not_future=True,
        ),
        before=f"you submit it for approval, {FOR_A_REVIEW}",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = _themes()


class DocumentForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(
        label="File to publish",
        help_text="PDF or Word document, up to 20MB. Its properties are removed when it is stored",
        error_messages={"required": "Select the file to publish"},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ApproveForm(BaseForm):
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    agency = forms.ModelChoiceField(
        label="Safeguarding partner you approve for",
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label="I have read the version to be published and approve its publication",
        error_messages={"required": "Confirm that you have read it and approve it"},
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.several = agencies is not None and agencies.count() > 1

    def clean(self):
        data = super().clean()
        if self.several and not data.get("agency"):
            self.add_error("agency", "Select the safeguarding partner you approve for")
        return data


class ScheduleForm(TransitionForm):
    """The page of "Schedule publication": a date and a time that make `scheduled_for`."""

    scheduled_date = needed(GovukDateField(label="Publication date", required=False))
    scheduled_time = TimeField(
        label="Time",
        required=False,
        help_text="For example, 9:30am or 2pm. Leave blank for 9am",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    fills = ("scheduled_for",)
    aliases = {"scheduled_for": "scheduled_date"}
    field_order = ["scheduled_date", "scheduled_time"]

    @staticmethod
    def initial_for(plan: PublicationPlan) -> dict:
        if plan.scheduled_for is None:
            return {}
        when = plan.scheduled_for.astimezone(LONDON)
        return {"scheduled_date": when.date(), "scheduled_time": f"{when:%H:%M}"}

    def updates(self) -> dict:
        day = self.cleaned_data.get("scheduled_date")
        when = self.cleaned_data.get("scheduled_time") or datetime.time(9, 0)
        return {"scheduled_for": london_datetime(day, when) if day else None}


def transition_fields() -> dict[str, forms.Field]:
    """The fields the page of "Record decision not to publish" asks for."""
    return {
        "withheld_reasons": forms.CharField(
            label="Reasons for not publishing", widget=forms.Textarea(attrs={"rows": 4})
        ),
        "withheld_decision_makers": forms.CharField(
            label="Who made the decision",
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="Names and roles, for example the three delegated safeguarding partners",
        ),
        "withheld_date": GovukDateField(label="Date of the decision", not_future=True),
    }


class RemoveForm(BaseForm):
    """Removal now or at a set time. Before the end of the minimum public period (`early_until`)
    it also names the partner lead who must confirm it, and a court order may take the item
    offline at once while they do."""

    NOW, LATER = "now", "later"

    version = forms.IntegerField(widget=forms.HiddenInput)
    removal_kind = forms.ChoiceField(
        label="Why is it being removed?",
        choices=P.RemovalKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why it is being removed"},
    )
    removal_reason = forms.CharField(
        label="Details",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept in the partnership's records; not shown to the public",
        error_messages={"required": "Enter the details of why it is being removed"},
    )
    removal_approved_by = PersonChoiceField(
        label="Partner lead who must confirm the removal",
        required=False,
        error_messages={"required": "Select the partner lead who must confirm the removal"},
    )
    offline = forms.BooleanField(
        label="Urgent court order: take it offline now, while the partner lead confirms",
        required=False,
        help_text="The public page then says it is not available. If the partner lead does not "
        "confirm the removal, you decide whether to put it back",
    )
    when = forms.ChoiceField(
        label="When should it be removed?",
        choices=[(NOW, "Now"), (LATER, "At a set date and time")],
        widget=forms.RadioSelect,
        initial=NOW,
        error_messages={"required": "Select when it should be removed"},
    )
    # Shown under "At a set date and time"; the date is needed for it.
    planned_date = needed(GovukDateField(label="Removal date", required=False))
    planned_time = TimeField(
        label="Time",
        required=False,
        help_text="Leave blank for 9am",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    reveal = {"when": {LATER: ("planned_date", "planned_time")}}

    def __init__(self, *args, approvers=None, early_until: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.early_until = early_until
        field = self.fields["removal_approved_by"]
        field.queryset = approvers
        field.empty_label = "Select a partner lead"
        if early_until is not None:
            # Needed for every removal before the end of the period, so it is not "optional".
            field.required = True
            field.help_text = (
                f"Needed to remove it before {early_until.day} {early_until:%B %Y}: a partner "
                "lead of a safeguarding partner other than your own, who confirms it themselves"
            )

    def _planned_day(self) -> datetime.date | None:
        if self.data.get(self.add_prefix("when")) != self.LATER:
            return None
        field = self.fields["planned_date"]
        raw = field.widget.value_from_datadict(
            self.data, self.files, self.add_prefix("planned_date")
        )
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def full_clean(self):
        # A removal planned for the end of the period or later needs no confirmation.
        if self.is_bound and self.early_until is not None:
            day = self._planned_day()
            self.fields["removal_approved_by"].required = not (day and day >= self.early_until)
        super().full_clean()

    def clean(self):
        data = super().clean()
        if data.get("when") == self.LATER:
            if not data.get("planned_date") and "planned_date" not in self.errors:
                self.add_error("planned_date", "Enter the removal date")
            elif data.get("planned_date"):
                when = data.get("planned_time") or datetime.time(9, 0)
                data["planned_for"] = london_datetime(data["planned_date"], when)
        if data.get("offline"):
            if data.get("removal_kind") and data["removal_kind"] != P.RemovalKind.COURT_ORDER:
                self.add_error("offline", "Only a court order can take it offline at once")
            elif data.get("when") == self.LATER:
                self.add_error("offline", "An urgent court order takes it offline now: choose Now")
        return data

    @property
    def early(self) -> bool:
        """Whether what was entered is a removal before the end of the period."""
        if self.early_until is None:
            return False
        planned = self.cleaned_data.get("planned_for")
        return planned is None or planned.date() < self.early_until


class RemovalDecisionForm(BaseForm):
    """The named partner lead's decision on a removal request: confirm, or refuse with a
    reason. Both carry the fingerprint of the request they read."""

    CONFIRM, REFUSE = "confirm", "refuse"

    fingerprint = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        widget=forms.HiddenInput, choices=[(CONFIRM, CONFIRM), (REFUSE, REFUSE)]
    )
    confirm = forms.BooleanField(
        label="I have read the request and confirm it should be removed from the library",
        required=False,
    )
    reason = forms.CharField(
        label="Why do you not confirm the removal?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The business unit is told, and decides what happens next",
    )

    def __init__(self, *args, decision: str = CONFIRM, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        if decision == self.CONFIRM:
            self.fields["confirm"].required = True
            self.fields["confirm"].error_messages["required"] = (
                "Confirm that you have read the request and agree to the removal"
            )
        else:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = (
                "Enter why you do not confirm the removal"
            )


class RestoreForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Why is it going back in the library?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why it is going back in the library"},
    )


class NspccForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    submitted_on = GovukDateField(
        label="Date it was submitted to the NSPCC repository", not_future=True
    )


class PlanFilterForm(BaseForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *P.Status.choices]
    )
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *P.Kind.choices]
    )
