"""Forms for the local child safeguarding practice review, its lessons and recommendations.

The forms only validate; the views pass the cleaned data to the services in services_local.py."""

from __future__ import annotations

from django import forms

from sightline.accounts.models import Agency
from sightline.actions.forms import OwnerPickerMixin, owner_field
from sightline.core.forms import BaseForm, GovukDateField
from sightline.core.models import Theme
from sightline.reviews.models import EngagementEntry, Lesson, ParallelProceeding
from sightline.reviews.workflow import LOCAL_REVIEW_WORKFLOW

DRAFT_EXTENSIONS = (".pdf", ".docx")


def _text(
    label: str,
    required_message: str = "",
    *,
    rows: int = 5,
    help_text: str = "",
    required: bool = True,
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else {},
    )


class LocalReviewForm(BaseForm):
    needed_for = LOCAL_REVIEW_WORKFLOW
    version = forms.IntegerField(widget=forms.HiddenInput)
    terms_of_reference = _text(
        "Terms of reference",
        required=False,
        rows=8,
        help_text="The questions the review will answer, the period it covers and the agencies "
        "taking part",
    )
    methodology = _text(
        "Methodology",
        required=False,
        rows=6,
        help_text="How the reviewer will gather evidence and involve the family and practitioners",
    )
    final_agreed_date = GovukDateField(
        label="Date the final report was agreed",
        required=False,
        not_future=True,
        help_text="For example, 27 3 2027",
    )
    delay_reason = _text(
        "Reason for any delay",
        required=False,
        rows=4,
        help_text="If the review will not be completed within 6 months of the decision, say why",
    )
    delay_notified_date = GovukDateField(
        label="Date the Panel and Secretary of State were told of the delay",
        required=False,
        not_future=True,
    )

    def clean(self):
        data = super().clean()
        if data.get("delay_notified_date") and not (data.get("delay_reason") or "").strip():
            self.add_error("delay_reason", "Enter the reason for the delay")
        return data


class EngagementForm(BaseForm):
    on_date = GovukDateField(label="Date of the contact", not_future=True)
    with_whom = forms.ChoiceField(
        label="Who the reviewer engaged with",
        choices=EngagementEntry.With.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the reviewer engaged with"},
    )
    who = forms.CharField(
        label="Role or relationship",
        max_length=200,
        help_text="For example, mother, health visitor or team manager. Do not enter names",
        error_messages={
            "required": "Enter the role or relationship",
            "max_length": "Role or relationship must be 200 characters or fewer",
        },
    )
    summary = _text("Summary of the contact", "Enter a summary of the contact")


class ProceedingForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label="Type of proceedings",
        choices=ParallelProceeding.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of proceedings"},
    )
    status = forms.CharField(
        label="Current position",
        max_length=200,
        help_text="For example, trial listed for June 2027",
        error_messages={
            "required": "Enter the current position",
            "max_length": "Current position must be 200 characters or fewer",
        },
    )
    liaison_notes = _text(
        "Liaison notes",
        required=False,
        rows=4,
        help_text="Contact with the police, Crown Prosecution Service, coroner or other review "
        "chair, and what was agreed",
    )
    causes_delay = forms.BooleanField(
        label="These proceedings are delaying the review", required=False
    )
    delay_notes = _text("How the review is delayed", required=False, rows=3)
    panel_told_date = GovukDateField(
        label="Date the Panel and Secretary of State were told",
        required=False,
        not_future=True,
    )

    def clean(self):
        data = super().clean()
        if data.get("causes_delay") and not (data.get("delay_notes") or "").strip():
            self.add_error("delay_notes", "Enter how the review is delayed")
        return data


class MonitoringForm(BaseForm):
    agency = forms.ModelChoiceField(
        label="Safeguarding partner",
        queryset=Agency.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the safeguarding partner",
            "invalid_choice": "Select the safeguarding partner",
        },
    )
    on_date = GovukDateField(label="Date of the monitoring", not_future=True)
    note = _text(
        "What the partner checked and found",
        "Enter what the partner checked and found",
        help_text="Progress against the timescale, the quality of the work so far, and any "
        "concerns",
    )
    information_requested = forms.BooleanField(
        label="Information or a draft was requested in writing",
        required=False,
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()
        self.fields["agency"].empty_label = None


class DraftForm(BaseForm):
    file = forms.FileField(
        label="Draft report",
        help_text="PDF or Word document, up to 20MB",
        widget=forms.FileInput(attrs={"accept": ",".join(DRAFT_EXTENSIONS)}),
        error_messages={
            "required": "Select the draft report",
            "empty": "The selected file is empty",
            "invalid": "Select the draft report",
        },
    )
    label = forms.CharField(
        label="Version",
        max_length=100,
        help_text="For example, Draft 2 or Final draft",
        error_messages={
            "required": "Enter the version",
            "max_length": "Version must be 100 characters or fewer",
        },
    )
    received_on = GovukDateField(label="Date the draft was received", not_future=True)
    notes = _text("Notes", required=False, rows=3, help_text="What changed since the last draft")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not str(upload.name or "").lower().endswith(DRAFT_EXTENSIONS):
            raise forms.ValidationError(
                "The selected file must be a PDF or Word document", code="type"
            )
        return upload


class LessonForm(BaseForm):
    text = _text(
        "Lesson",
        "Enter the lesson",
        rows=5,
        help_text="What the review found, written so that practitioners can act on it",
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(active=True, archived_at__isnull=True)


class RecommendationForm(BaseForm):
    text = _text("Recommendation", "Enter the recommendation", rows=5)
    lesson = forms.ModelChoiceField(
        label="Lesson it responds to",
        queryset=Lesson.objects.none(),
        required=False,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        lessons = Lesson.objects.filter(case=case, archived_at__isnull=True) if case else None
        self.fields["lesson"].queryset = lessons if lessons is not None else Lesson.objects.none()
        self.fields["lesson"].empty_label = "Not linked to a lesson"
        self.fields["lesson"].label_from_instance = lambda lesson: _short(lesson.text)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class RecommendationActionForm(OwnerPickerMixin, BaseForm):
    description = _text("Action", "Enter the action", rows=3, help_text="What will be done")
    expected_change = _text(
        "What is expected to change",
        "Enter what is expected to change",
        rows=3,
        help_text="The difference for children and practice, and how it will be measured",
    )
    owner_agency = forms.ModelChoiceField(
        label="Owner agency",
        queryset=Agency.objects.none(),
        error_messages={
            "required": "Select the agency that owns the action",
            "invalid_choice": "Select the agency that owns the action",
        },
    )
    owner = owner_field()
    due_date = GovukDateField(
        label="Due date", help_text="For example, 27 3 2027", past_due_warning=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(
            active=True, archived_at__isnull=True
        )
        self.fields["owner_agency"].empty_label = "Select an agency"
        self._offer_owners()

    def clean(self):
        data = super().clean()
        self._check_owner(data)
        return data
