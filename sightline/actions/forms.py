from django import forms

from sightline.accounts.models import Agency, User
from sightline.actions.models import ActionPlan, ActionStatus
from sightline.core.forms import GovukDateField
from sightline.core.models import Theme


def _themes():
    return Theme.objects.filter(active=True, archived_at__isnull=True)


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


class ActionForm(forms.Form):
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
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=User.objects.none(),
        required=False,
        help_text="The person responsible. Leave blank for the agency's safeguarding lead",
    )
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
        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, memberships__active=True
        ).distinct()
        self.fields["owner"].empty_label = "Not assigned"
        self.fields["owner_agency"].empty_label = "Select an agency"
        self.fields["themes"].queryset = _themes()

    def clean(self):
        data = super().clean()
        agency, owner = data.get("owner_agency"), data.get("owner")
        if agency and owner and not owner.memberships.filter(agency=agency, active=True).exists():
            self.add_error("owner", "The owner must work for the owner agency")
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
