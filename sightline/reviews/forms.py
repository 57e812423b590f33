"""Forms for the case pages: the concern, the case, the restricted record, the people named on
the case, closing and the dashboard filters. The notification decision and rapid review forms
are in forms_rapid.py. Forms validate input only; every write goes through reviews.services."""

from __future__ import annotations

import re

from django import forms

from sightline.accounts.models import Agency, User
from sightline.accounts.people import PersonChoiceField
from sightline.core.clocks import today
from sightline.core.forms import BaseForm, GovukDateField
from sightline.core.models import Theme
from sightline.reviews import access
from sightline.reviews.models import (
    AgeBand,
    Case,
    CaseMember,
    CaseStage,
)

YES_NO = [("True", "Yes"), ("False", "No")]
NHS_NUMBER_LENGTH = 10
# A UK postcode: outward code, optional space, inward code (GIR 0AA included).
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")


def _to_bool(value) -> bool | None:
    if value in (True, "True", "true", "yes"):
        return True
    if value in (False, "False", "false", "no"):
        return False
    return None


def yes_no_field(label: str, *, required: bool = True, message: str = "", hint: str = ""):
    """Yes/No radios that give True or False (None when left blank and optional)."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        help_text=hint,
        error_messages={"required": message or f"Select whether {label.lower().rstrip('?')}"},
    )


def _textarea(rows: int = 4):
    return forms.Textarea(attrs={"rows": rows})


def _version_field():
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


def active_agencies():
    return Agency.objects.filter(active=True, archived_at__isnull=True)


def _themes():
    return Theme.objects.filter(active=True, archived_at__isnull=True)


# --- Field validation ---------------------------------------------------------------------------


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number modulus 11 check: weights 10 to 2 on the first nine digits."""
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def clean_nhs_number(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits:
        return ""
    if not digits.isdigit() or len(digits) != NHS_NUMBER_LENGTH:
        raise forms.ValidationError("NHS number must be 10 digits, like 943 476 5919")
    if not nhs_number_is_valid(digits):
        raise forms.ValidationError("Enter a real NHS number. Check it with the child's records")
    return digits


def clean_postcode(value: str) -> str:
    text = re.sub(r"\s+", " ", (value or "").strip().upper())
    if not text:
        return ""
    if not POSTCODE_RE.match(text):
        raise forms.ValidationError("Enter a real postcode, like AA1 1AA")
    compact = text.replace(" ", "")
    return f"{compact[:-3]} {compact[-3:]}"


class RestrictedFieldsMixin:
    """Cleaning for the restricted record's fields, shared by the concern and the record."""

    def clean_nhs_number(self):
        return clean_nhs_number(self.cleaned_data.get("nhs_number", ""))

    def clean_postcode(self):
        return clean_postcode(self.cleaned_data.get("postcode", ""))


# --- The concern and the case ------------------------------------------------------------------


class CaseDetailsForm(BaseForm):
    """The case's pseudonymised details, shared by raising a concern and editing a case."""

    pseudonym = forms.CharField(
        label="Pseudonym",
        max_length=60,
        help_text="For example, Child A or Baby F. Do not use the child's real name",
        error_messages={"required": "Enter a pseudonym for the child"},
    )
    age_band = forms.ChoiceField(
        label="Age of the child",
        choices=AgeBand.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the age of the child"},
    )
    harm = forms.ChoiceField(
        label="What happened to the child",
        choices=Case.Harm.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the child died or was seriously harmed"},
    )
    looked_after = yes_no_field(
        "Was the child looked after by a local authority?",
        message="Select whether the child was looked after by a local authority",
    )
    incident_date = GovukDateField(label="Date of the incident", not_future=True)
    raised_aware_date = GovukDateField(
        label="Date the raising agency became aware",
        not_future=True,
        help_text="When the agency that raised the concern became aware of the incident. The "
        "local authority's notifier records when the local authority did. For example, 27 3 2026",
    )
    summary = forms.CharField(
        label="What happened",
        widget=_textarea(6),
        help_text="Describe what happened and what is known so far. Do not use names",
        error_messages={"required": "Enter what happened"},
    )
    lead_agency = forms.ModelChoiceField(
        label="Lead local authority",
        queryset=Agency.objects.none(),
        widget=forms.RadioSelect,
        help_text="The local authority where the incident happened notifies and leads",
        error_messages={
            "required": "Select the lead local authority",
            "invalid_choice": "Select a local authority as the lead",
        },
    )
    involved_agencies = forms.ModelMultipleChoiceField(
        label="Agencies involved with the child or family",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = access.local_authorities()
        self.fields["involved_agencies"].queryset = active_agencies()
        self.fields["themes"].queryset = _themes()

    def clean(self):
        data = super().clean()
        label = self.fields["raised_aware_date"].label
        incident, aware = data.get("incident_date"), data.get("raised_aware_date")
        if incident and aware and aware < incident and "raised_aware_date" not in self.errors:
            self.add_error(
                "raised_aware_date",
                f"{label} must be the same as or after the date of the incident",
            )
        return data


class RaiseConcernForm(RestrictedFieldsMixin, CaseDetailsForm):
    """Any agency user raises a concern about a possible serious incident."""

    raised_by_agency = forms.ModelChoiceField(
        label="Which agency are you raising this for?",
        queryset=Agency.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Select which agency you are raising this for"},
    )
    child_name = forms.CharField(label="Child's full name", max_length=200, required=False)
    date_of_birth = GovukDateField(label="Date of birth", required=False, not_future=True)
    address = forms.CharField(label="Address", required=False, widget=_textarea(3))
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=14,
        required=False,
        help_text="10 digits, for example 943 476 5919",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    school = forms.CharField(label="School or nursery", max_length=200, required=False)
    family_members = forms.CharField(
        label="Family members",
        required=False,
        widget=_textarea(4),
        help_text="One person on each line: name, relationship, date of birth",
    )
    subject_reason = forms.CharField(
        label="Why are you recording these details?",
        max_length=1000,
        required=False,
        widget=_textarea(2),
        help_text="Needed if you enter any of the details above. It is logged with them, as it "
        "is each time someone opens or changes the restricted record. For example, so the local "
        "authority can check its records",
    )

    RESTRICTED = (
        "child_name",
        "date_of_birth",
        "address",
        "postcode",
        "nhs_number",
        "school",
        "family_members",
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        aware = self.fields["raised_aware_date"]
        aware.label = "Date your agency became aware"
        aware.help_text = (
            "The local authority's notifier records when the local authority became aware. "
            "For example, 27 3 2026"
        )
        field = self.fields["raised_by_agency"]
        field.queryset = agencies if agencies is not None else Agency.objects.none()
        choices = list(field.queryset)
        self._only_agency = choices[0] if len(choices) == 1 else None
        if self._only_agency is not None:
            field.widget = forms.HiddenInput()
            field.initial = self._only_agency.pk
            field.required = False

    def clean_raised_by_agency(self):
        return self.cleaned_data.get("raised_by_agency") or self._only_agency

    @property
    def raising_agency_hidden(self) -> bool:
        return isinstance(self.fields["raised_by_agency"].widget, forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.restricted_details() and not (data.get("subject_reason") or "").strip():
            self.add_error(
                "subject_reason", "Enter why you are recording the child's and family's details"
            )
        return data

    def restricted_details(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.RESTRICTED if data.get(name) not in (None, "")}


class CaseEditForm(CaseDetailsForm):
    version = _version_field()
    case_officer = PersonChoiceField(
        label="Case officer",
        required=False,
        help_text="The business unit officer who runs the case",
        error_messages={"invalid_choice": "Select a member of the business unit"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_officer"].queryset = access.case_officers()
        self.fields["case_officer"].empty_label = "Not assigned"


class SubjectForm(RestrictedFieldsMixin, BaseForm):
    """The restricted record. `reason` carries the reason given to open it."""

    version = _version_field()
    reason = forms.CharField(widget=forms.HiddenInput)
    child_name = forms.CharField(label="Child's full name", max_length=200, required=False)
    other_names = forms.CharField(
        label="Other names",
        max_length=300,
        required=False,
        help_text="Previous names or names the child is known by",
    )
    date_of_birth = GovukDateField(label="Date of birth", required=False, not_future=True)
    address = forms.CharField(label="Address", required=False, widget=_textarea(3))
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=14,
        required=False,
        help_text="10 digits, for example 943 476 5919",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    school = forms.CharField(label="School or nursery", max_length=200, required=False)
    family_members = forms.CharField(
        label="Family members",
        required=False,
        widget=_textarea(4),
        help_text="One person on each line: name, relationship, date of birth",
    )
    ethnicity = forms.CharField(label="Ethnicity", max_length=120, required=False)
    protected_characteristics = forms.CharField(
        label="Protected characteristics and inequalities",
        required=False,
        widget=_textarea(3),
    )
    residence_local_authority = forms.CharField(
        label="Local authority where the child lived",
        max_length=120,
        required=False,
    )

    FIELDS = (
        "child_name",
        "other_names",
        "date_of_birth",
        "address",
        "postcode",
        "nhs_number",
        "school",
        "family_members",
        "ethnicity",
        "protected_characteristics",
        "residence_local_authority",
    )

    def subject_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class IdentityReasonForm(BaseForm):
    reason = forms.CharField(
        label="Why do you need to see the child's and family's details?",
        max_length=1000,
        widget=_textarea(3),
        help_text="For example, to check agency records before the rapid review meeting",
        error_messages={"required": "Enter why you need to see the child's and family's details"},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(
                "Enter why you need to see the child's and family's details"
            )
        return reason


# --- Case members ------------------------------------------------------------------------------


PICKER_LABELS = {
    CaseMember.Part.REVIEWER: "Reviewer account",
    CaseMember.Part.CHAIR: "Review chair",
    CaseMember.Part.MEMBER: "Review group member",
}


class PartForm(BaseForm):
    """The first step of naming someone on the case: the part they will have, which decides
    whom the next step offers."""

    part = forms.ChoiceField(
        label="What part will they have in the review?",
        choices=CaseMember.Part.choices,
        widget=forms.RadioSelect,
        help_text="The independent reviewer needs a reviewer account: you can choose one or "
        "invite a new reviewer. The chair and members are people of the partnership's agencies",
        error_messages={"required": "Select their part in the review"},
    )


class MemberForm(BaseForm):
    """Name someone on the case. The picker offers only the people who may hold the part
    (`access.PART_ROLES`), each with their role, agency and e-mail address; anyone else posted
    is refused."""

    user = PersonChoiceField(
        label="Person",
        error_messages={"required": "Select the person to name on the case"},
    )
    part = forms.ChoiceField(
        label="Their part in the review",
        choices=CaseMember.Part.choices,
        widget=forms.HiddenInput,
        error_messages={"required": "Select their part in the review"},
    )
    can_see_identity = forms.BooleanField(
        label="They may open the restricted record (the child's and family's details)",
        required=False,
    )
    access_ends_on = GovukDateField(
        label="Access ends on",
        required=False,
        help_text="Leave blank if access should last until the case closes. For example, 27 3 2027",
    )

    def __init__(self, *args, part: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            part = self.data.get(self.add_prefix("part"))
        if part not in CaseMember.Part.values:
            part = None
        self.chosen_part = part
        field = self.fields["user"]
        field.queryset = access.people_for_part(part) if part else User.objects.none()
        field.empty_label = "Select a person"
        if part:
            field.label = PICKER_LABELS[part]
            field.error_messages["invalid_choice"] = (
                f"Select {access.PART_HOLDERS[part]}. Nobody else can be named as the "
                f"{CaseMember.Part(part).label.lower()}"
            )
            self.fields["part"].initial = part
        if part == CaseMember.Part.REVIEWER:
            ends = self.fields["access_ends_on"]
            ends.required = True
            ends.help_text = (
                "The reviewer cannot see the case after this date. For example, 27 3 2027"
            )
            self.fields["can_see_identity"].initial = True

    @property
    def part_label(self) -> str:
        return CaseMember.Part(self.chosen_part).label if self.chosen_part else ""

    def clean(self):
        data = super().clean()
        ends = data.get("access_ends_on")
        if ends and ends < today():
            self.add_error("access_ends_on", "Access ends on must be today or in the future")
        return data


class ReviewerForm(BaseForm):
    full_name = forms.CharField(
        label="Full name",
        max_length=160,
        error_messages={"required": "Enter the reviewer's full name"},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the reviewer's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    agency = forms.ModelChoiceField(
        label="Organisation",
        queryset=Agency.objects.none(),
        help_text="The organisation the reviewer's account belongs to",
        error_messages={"required": "Select the reviewer's organisation"},
    )
    access_ends_on = GovukDateField(
        label="Access ends on",
        help_text="The reviewer cannot sign in after this date. For example, 27 3 2027",
    )
    can_see_identity = forms.BooleanField(
        label="They may open the restricted record (the child's and family's details)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()
        self.fields["agency"].empty_label = "Select an organisation"

    def clean(self):
        data = super().clean()
        ends = data.get("access_ends_on")
        if ends and ends < today():
            self.add_error("access_ends_on", "Access ends on must be today or in the future")
        return data


class CloseForm(BaseForm):
    reason = forms.CharField(
        label="Why is the case being closed?",
        widget=_textarea(4),
        help_text="For example, the alternative learning has been completed and its actions "
        "are signed off",
        error_messages={"required": "Enter the reason for closing the case"},
    )


# --- Dashboard filters -------------------------------------------------------------------------


class DashboardFilterForm(BaseForm):
    stage = forms.ChoiceField(label="Stage", required=False)
    year = forms.TypedChoiceField(
        label="Year of awareness", required=False, coerce=int, empty_value=None
    )
    theme = forms.ModelChoiceField(label="Theme", queryset=Theme.objects.none(), required=False)
    agency = forms.ModelChoiceField(
        label="Agency involved", queryset=Agency.objects.none(), required=False
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("open", "Open cases"), ("all", "All"), *CaseStage.choices]
        self.fields["year"].choices = [("", "Any year"), *((y, str(y)) for y in years)]
        self.fields["theme"].queryset = Theme.objects.filter(archived_at__isnull=True)
        self.fields["theme"].empty_label = "Any theme"
        self.fields["agency"].queryset = Agency.objects.filter(archived_at__isnull=True)
        self.fields["agency"].empty_label = "Any agency"
