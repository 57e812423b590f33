"""Forms for the notification decision and the rapid review: the decision, agency returns, the
record's sections, workflow moves and partner sign-off. The case, the restricted record and the
people on the case are in forms.py. Forms validate input only; every write goes through
reviews.services."""

from __future__ import annotations

from django import forms

from sightline.accounts.models import Agency
from sightline.core.clocks import today
from sightline.core.forms import BaseForm, GovukDateField, needed
from sightline.core.transition_pages import TransitionForm
from sightline.reviews.forms import (
    _textarea,
    _version_field,
    active_agencies,
    yes_no_field,
)
from sightline.reviews.models import RapidReview
from sightline.reviews.workflow import RAPID_REVIEW_WORKFLOW

# Regulation 11 of SI 2018/789: the criteria the safeguarding partners take into account.
REG11_CRITERIA = {
    "criterion_improvements": (
        "(a) highlights or may highlight improvements needed to safeguard and promote the "
        "welfare of children, including where those improvements have been previously identified"
    ),
    "criterion_recurrent_themes": (
        "(b) highlights or may highlight recurrent themes in the safeguarding and promotion of "
        "the welfare of children"
    ),
    "criterion_agencies_working_together": (
        "(c) highlights or may highlight concerns regarding two or more agencies working "
        "together effectively to safeguard and promote the welfare of children"
    ),
    "criterion_panel_suggested": (
        "(d) is one which the Child Safeguarding Practice Review Panel have considered and "
        "concluded a local review may be more appropriate"
    ),
}

NOTIFICATION_CRITERIA = {
    "abuse_or_neglect": "Is abuse or neglect of the child known or suspected?",
    "death_or_serious_harm": "Has the child died or been seriously harmed?",
    "looked_after_child": "Was the child looked after by the local authority?",
}


# --- Notification decision ---------------------------------------------------------------------


class NotificationForm(BaseForm):
    """The notifier's decision. The fields each decision needs are shown under its option
    (conditional reveal) and are not marked "(optional)"; the form leaves them optional
    because the workflow checks what the chosen decision needs, keyed by field, so the page
    shows every gap at once."""

    DECISIONS = [
        ("notify", "Notify the national Panel"),
        ("not_notify", "Do not notify"),
    ]

    version = _version_field()
    abuse_or_neglect = yes_no_field(NOTIFICATION_CRITERIA["abuse_or_neglect"], required=False)
    death_or_serious_harm = yes_no_field(
        NOTIFICATION_CRITERIA["death_or_serious_harm"],
        required=False,
        hint="Serious harm includes serious or long-term impairment of health or development, "
        "even if the child recovers",
    )
    looked_after_child = yes_no_field(
        NOTIFICATION_CRITERIA["looked_after_child"],
        required=False,
        hint="If a looked-after child has died, notify the Secretary of State and Ofsted "
        "whether or not abuse or neglect is suspected",
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to notify the national Panel"},
    )
    la_aware_date = GovukDateField(
        label="Date the local authority became aware",
        required=False,
        not_future=True,
        help_text="The day the local authority first knew of the incident. The 5 working days "
        "to notify the Panel count from this date. For example, 27 3 2026",
        error_messages={"required": "Enter the date the local authority became aware"},
    )
    decision_date = GovukDateField(label="Decision date", required=False, not_future=True)
    sent_date = GovukDateField(
        label="Date the notification was sent",
        required=False,
        not_future=True,
        help_text="To the Panel, Ofsted and the Department for Education. For example, 27 3 2026",
    )
    panel_reference = forms.CharField(
        label="Panel reference",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    partners_informed_date = GovukDateField(
        label="Date the safeguarding partners were informed",
        required=False,
        not_future=True,
    )
    partnership_copy_date = GovukDateField(
        label="Date the copy went to the partnership office",
        required=False,
        not_future=True,
        help_text="The partnership office should get a copy on the day it is sent",
    )
    not_notified_reasons = forms.CharField(
        label="Reasons for not notifying",
        required=False,
        widget=_textarea(4),
    )
    referred_to_line_of_sight = forms.BooleanField(
        label="Refer the case to Line of Sight learning",
        required=False,
    )

    NOTIFY_FIELDS = (
        "abuse_or_neglect",
        "death_or_serious_harm",
        "looked_after_child",
        "la_aware_date",
        "decision_date",
        "sent_date",
        "panel_reference",
        "partners_informed_date",
        "partnership_copy_date",
    )
    NOT_NOTIFY_FIELDS = (
        "abuse_or_neglect",
        "death_or_serious_harm",
        "looked_after_child",
        "la_aware_date",
        "decision_date",
        "not_notified_reasons",
        "referred_to_line_of_sight",
    )
    # Each decision's own fields are shown under its option.
    reveal = {
        "decision": {
            "notify": (
                "sent_date",
                "panel_reference",
                "partners_informed_date",
                "partnership_copy_date",
            ),
            "not_notify": ("not_notified_reasons", "referred_to_line_of_sight"),
        }
    }

    def __init__(self, *args, awareness_only: bool = False, **kwargs):
        """`awareness_only`: the notifier records only when the local authority became aware
        ("Save the date of awareness"), before deciding."""
        super().__init__(*args, **kwargs)
        self.awareness_only = awareness_only
        # Needed for one decision or the other: not "(optional)", but the workflow checks them
        # for the decision chosen rather than the form.
        for name in sorted({*self.NOTIFY_FIELDS, *self.NOT_NOTIFY_FIELDS}):
            needed(self.fields[name])
        if awareness_only:
            # "Save only the date of awareness": the notifier records it before deciding.
            self.fields["decision"].required = False
            self.fields["la_aware_date"].required = True

    def clean(self):
        data = super().clean()
        decided, sent = data.get("decision_date"), data.get("sent_date")
        if decided and sent and sent < decided and "sent_date" not in self.errors:
            self.add_error(
                "sent_date", "Date the notification was sent must be on or after the decision date"
            )
        return data

    def decision_fields(self) -> dict:
        """The fields the decision chosen records (the date of awareness for both)."""
        data = self.cleaned_data
        names = self.NOTIFY_FIELDS if data["decision"] == "notify" else self.NOT_NOTIFY_FIELDS
        return {name: data.get(name) for name in names}


# --- Rapid review ------------------------------------------------------------------------------


class RequestReturnsForm(BaseForm):
    version = _version_field()
    agencies = forms.ModelMultipleChoiceField(
        label="Which agencies should complete a return?",
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each agency is asked for its involvement, key practice episodes, immediate "
        "safety actions taken and early learning",
        error_messages={"required": "Select at least one agency"},
    )
    due_date = GovukDateField(label="Date returns are due")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = active_agencies()

    def clean(self):
        data = super().clean()
        due = data.get("due_date")
        if due and due < today():
            self.add_error("due_date", "Date returns are due must be today or in the future")
        return data


class AgencyReturnForm(BaseForm):
    version = _version_field()
    # A draft may be saved without them; the return cannot be submitted without them.
    involvement = needed(
        forms.CharField(
            label="Your agency's involvement with the child and family",
            required=False,
            widget=_textarea(6),
            help_text="When and how your agency was involved, in date order",
        ),
        before="you submit the return",
    )
    key_practice_episodes = needed(
        forms.CharField(
            label="Key practice episodes",
            required=False,
            widget=_textarea(6),
            help_text="The moments where practice made, or could have made, a difference",
        ),
        before="you submit the return",
    )
    immediate_safety_actions = forms.CharField(
        label="Immediate safety actions taken",
        required=False,
        widget=_textarea(4),
        help_text="What your agency has done to keep this child, siblings or other children safe",
    )
    early_learning = forms.CharField(
        label="Early learning",
        required=False,
        widget=_textarea(4),
        help_text="What your agency has learned so far and shared with staff",
    )

    FIELDS = ("involvement", "key_practice_episodes", "immediate_safety_actions", "early_learning")

    def return_fields(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.FIELDS}


class MeetingSectionForm(BaseForm):
    title = "Review meeting"
    needed_for = RAPID_REVIEW_WORKFLOW
    version = _version_field()
    meeting_date = GovukDateField(label="Meeting date", required=False, not_future=True)
    attendees = forms.CharField(
        label="Attendees",
        required=False,
        widget=_textarea(4),
        help_text="One on each line: role and agency. Do not include family members' names",
    )
    facts = forms.CharField(
        label="Facts of the case",
        required=False,
        widget=_textarea(8),
        help_text="Agency involvement and the key practice episodes, as agreed at the meeting",
    )
    immediate_actions = forms.CharField(
        label="Immediate safety actions",
        required=False,
        widget=_textarea(4),
    )
    learning_shared = forms.CharField(
        label="Learning already shared",
        required=False,
        widget=_textarea(4),
    )
    improvements = forms.CharField(
        label="Potential improvements",
        required=False,
        widget=_textarea(4),
    )
    family_context = forms.CharField(
        label="Family context",
        required=False,
        widget=_textarea(5),
        help_text="Including race, culture, racism and other inequalities, and how they were "
        "considered",
    )


class RecommendationSectionForm(BaseForm):
    title = "Recommendation"
    needed_for = RAPID_REVIEW_WORKFLOW
    reveal = {
        "recommendation": {RapidReview.Recommendation.NO_REVIEW.value: ("alternative_learning",)}
    }
    version = _version_field()
    recommendation = forms.ChoiceField(
        label="What does the rapid review recommend?",
        choices=RapidReview.Recommendation.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    criterion_improvements = forms.BooleanField(
        label=REG11_CRITERIA["criterion_improvements"], required=False
    )
    criterion_recurrent_themes = forms.BooleanField(
        label=REG11_CRITERIA["criterion_recurrent_themes"], required=False
    )
    criterion_agencies_working_together = forms.BooleanField(
        label=REG11_CRITERIA["criterion_agencies_working_together"], required=False
    )
    criterion_panel_suggested = forms.BooleanField(
        label=REG11_CRITERIA["criterion_panel_suggested"], required=False
    )
    recommendation_reasons = forms.CharField(
        label="Reasons for the recommendation",
        required=False,
        widget=_textarea(6),
        help_text="Meeting the criteria does not make a review automatic: say how the partners "
        "weighed them",
    )
    # Shown under "No review" and needed for it.
    alternative_learning = needed(
        forms.CharField(
            label="Alternative learning route",
            required=False,
            widget=_textarea(4),
            help_text="How the learning will be taken forward, for example a Line of Sight "
            "event or a single-agency review",
        )
    )

    CRITERIA = tuple(REG11_CRITERIA)

    def clean(self):
        data = super().clean()
        if (
            data.get("recommendation") == RapidReview.Recommendation.NO_REVIEW
            and not (data.get("alternative_learning") or "").strip()
        ):
            self.add_error("alternative_learning", "Enter the alternative learning route")
        return data


class PanelSectionForm(BaseForm):
    title = "The national Panel"
    needed_for = RAPID_REVIEW_WORKFLOW
    version = _version_field()
    sent_to_panel_date = GovukDateField(
        label="Date sent to the Panel", required=False, not_future=True
    )
    panel_response_date = GovukDateField(
        label="Date of the Panel's response", required=False, not_future=True
    )
    panel_response = forms.CharField(
        label="The Panel's response",
        required=False,
        widget=_textarea(6),
    )

    def clean(self):
        data = super().clean()
        sent, replied = data.get("sent_to_panel_date"), data.get("panel_response_date")
        if sent and replied and replied < sent and "panel_response_date" not in self.errors:
            self.add_error(
                "panel_response_date",
                "Date of the Panel's response must be on or after the date sent",
            )
        return data


class DecisionSectionForm(BaseForm):
    title = "Decision"
    needed_for = RAPID_REVIEW_WORKFLOW
    version = _version_field()
    decision = forms.ChoiceField(
        label="What have the safeguarding partners decided?",
        choices=RapidReview.Decision.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    decision_date = GovukDateField(label="Decision date", required=False, not_future=True)
    decision_reasons = forms.CharField(
        label="Reasons for the decision",
        required=False,
        widget=_textarea(6),
    )


SECTION_FORMS: dict[str, type[BaseForm]] = {
    "meeting": MeetingSectionForm,
    "recommendation": RecommendationSectionForm,
    "panel": PanelSectionForm,
    "decision": DecisionSectionForm,
}


def section_fields(form_class: type[BaseForm]) -> list[str]:
    return [name for name in form_class.base_fields if name != "version"]


# The record's fields as the sections declare them, for the pages of the workflow's moves.
SECTION_FIELDS = {
    name: field
    for form_class in SECTION_FORMS.values()
    for name, field in form_class.base_fields.items()
    if name != "version"
}
# Fields of a section that a move's page offers beside the ones the move needs.
MOVE_ALSO = {
    "record_meeting": ("learning_shared", "improvements"),
    "recommend": ("alternative_learning",),
}


class RecommendForm(TransitionForm):
    """The page of "Record the recommendation": the regulation 11 criteria as one group of
    checkboxes, and the alternative learning route under "No review"."""

    criteria = forms.MultipleChoiceField(
        label="The regulation 11 criteria: the case",
        choices=list(REG11_CRITERIA.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply",
    )
    fills = tuple(REG11_CRITERIA)
    aliases = {name: "criteria" for name in REG11_CRITERIA}
    reveal = RecommendationSectionForm.reveal
    field_order = ["recommendation", "criteria", "recommendation_reasons"]

    @staticmethod
    def initial_for(rr: RapidReview) -> dict:
        return {"criteria": [name for name in REG11_CRITERIA if getattr(rr, name)]}

    def updates(self) -> dict:
        chosen = set(self.cleaned_data.get("criteria") or ())
        return {**super().updates(), **{name: name in chosen for name in REG11_CRITERIA}}


class SignOffForm(BaseForm):
    """A partner's sign-off. `fingerprint` is the fingerprint of the version the partner read:
    if the content changed meanwhile, the sign-off is refused."""

    fingerprint = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": "Read the current version before signing off"},
    )
    agency = forms.ModelChoiceField(
        label="Which safeguarding partner are you signing off for?",
        queryset=Agency.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Select the safeguarding partner you are signing off for"},
    )
    comment = forms.CharField(label="Comment", required=False, widget=_textarea(3))

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        field.queryset = agencies if agencies is not None else Agency.objects.none()
        choices = list(field.queryset)
        if len(choices) == 1:
            field.initial = choices[0].pk
