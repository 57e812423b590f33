from django import forms

from sightline.accounts.models import Agency, Role
from sightline.accounts.people import PersonChoiceField, people_with
from sightline.actions.models import ActionPlan, ActionStatus
from sightline.core.forms import GovukDateField
from sightline.core.models import Theme


def _themes():
    return Theme.objects.filter(active=True, archived_at__isnull=True)


# Who may own an action: the people of the owner agency who do its work. Reviewers, the
# scrutineer and system administrators do not own actions.
ACTION_OWNER_ROLES = (Role.AGENCY_LEAD, Role.PRACTITIONER, Role.PARTNER_LEAD, Role.BUSINESS_UNIT)
OWNER_MISMATCH = "The owner must work for the owner agency"


def action_owners(agency=None):
    """People who may own an action for `agency` (for any agency when it is not known)."""
    return people_with(*ACTION_OWNER_ROLES, agencies=None if agency is None else [agency])


def owner_mismatch_message(agency) -> str:
    return f"{OWNER_MISMATCH}: choose someone from {agency}, or leave it blank"


def owner_field() -> PersonChoiceField:
    return PersonChoiceField(
        label="Owner",
        required=False,
        help_text="The person responsible, from the owner agency. Leave blank for the agency's "
        "safeguarding lead",
        error_messages={"invalid_choice": OWNER_MISMATCH},
    )


class OwnerPickerMixin:
    """An owner agency and an owner picker: the picker offers the people of the owner agency
    once it is known (the agency posted, or the action's own), each with their role, agency and
    e-mail address, and the owner must work for the owner agency."""

    def _offer_owners(self) -> None:
        agency = self._owner_agency_value()
        field = self.fields["owner"]
        field.queryset = action_owners(agency)
        field.empty_label = "Not assigned"
        if agency is not None:
            field.error_messages["invalid_choice"] = owner_mismatch_message(agency)

    def _owner_agency_value(self):
        raw = self.data.get(self.add_prefix("owner_agency")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("owner_agency")
        if isinstance(raw, Agency):
            return raw
        try:
            return self.fields["owner_agency"].queryset.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def _check_owner(self, data) -> None:
        agency, owner = data.get("owner_agency"), data.get("owner")
        if agency and owner and not action_owners(agency).filter(pk=owner.pk).exists():
            self.add_error("owner", owner_mismatch_message(agency))


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter a title for the action plan"},
    )
    source = forms.ChoiceField(
        label="Where the plan comes from",
        choices=ActionPlan.Source.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the plan comes from"},
    )
    summary = forms.CharField(
        label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = _themes()


class ActionForm(OwnerPickerMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    lesson = forms.CharField(
        label="Lesson or finding",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was learned that this action responds to",
        error_messages={"required": "Enter the lesson or finding"},
    )
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What will be done",
        error_messages={"required": "Enter the action"},
    )
    expected_change = forms.CharField(
        label="What is expected to change",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The difference for children and practice, and how it will be measured",
        error_messages={"required": "Enter what is expected to change"},
    )
    owner_agency = forms.ModelChoiceField(
        label="Owner agency",
        queryset=Agency.objects.none(),
        error_messages={"required": "Select the agency that owns the action"},
    )
    owner = owner_field()
    due_date = GovukDateField(
        label="Due date", help_text="For example, 27 3 2027", past_due_warning=True
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(
            active=True, archived_at__isnull=True
        )
        self._offer_owners()
        self.fields["owner_agency"].empty_label = "Select an agency"
        self.fields["themes"].queryset = _themes()

    def clean(self):
        data = super().clean()
        self._check_owner(data)
        return data


class ProgressForm(forms.Form):
    note = forms.CharField(
        label="Progress update",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the progress update"},
    )
    on_date = GovukDateField(
        label="Date of the update",
        required=False,
        not_future=True,
        help_text="Leave blank for today",
    )
    evidence = forms.FileField(
        label="Evidence file",
        required=False,
        help_text="PDF, Word, Excel, PNG or JPEG, up to 20MB",
    )


def transition_fields(*, exclude_plan=None) -> dict[str, forms.Field]:
    """The fields a move's page asks for (sightline.core.transition_pages): the impact
    statement, and the open plans other than its own that an action can be carried into."""
    plans = ActionPlan.objects.filter(archived_at__isnull=True)
    if exclude_plan is not None:
        plans = plans.exclude(pk=exclude_plan.pk)
    carried_to = forms.ModelChoiceField(label="Plan it is carried into", queryset=plans)
    carried_to.empty_label = "Select a plan"
    return {
        "impact_statement": forms.CharField(
            label="Impact statement",
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text="What has changed for children and practice, and the evidence for it",
        ),
        "carried_to": carried_to,
    }


class ActionFilterForm(forms.Form):
    agency = forms.ModelChoiceField(label="Agency", queryset=Agency.objects.none(), required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open"),
            ("overdue", "Overdue"),
            *ActionStatus.choices,
        ],
    )
    theme = forms.ModelChoiceField(label="Theme", queryset=Theme.objects.none(), required=False)
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any source"), *ActionPlan.Source.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(archived_at__isnull=True)
        self.fields["agency"].empty_label = "Any agency"
        self.fields["theme"].queryset = Theme.objects.filter(archived_at__isnull=True)
        self.fields["theme"].empty_label = "Any theme"
