from django import forms
from django.contrib.auth import password_validation

from sightline.accounts.models import Agency, Duty, Role, User
from sightline.core.forms import GovukDateField


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes",
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


class EnrolForm(CodeForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        help_text="Enter the 6-digit code the app shows after you scan the QR code",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-5",
            }
        ),
    )


class SetPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters. Avoid common words and passwords used elsewhere.",
        error_messages={"required": "Enter a new password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Confirm new password",
        strip=False,
        error_messages={"required": "Confirm your new password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", "The passwords do not match")
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data


class ChangePasswordForm(SetPasswordForm):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        error_messages={"required": "Enter your current password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("Your current password is incorrect")
        return value


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )


class AgencyForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "kind",
            "is_local_authority",
            "email_domains",
            "safeguarding_lead",
            "active",
        ]
        labels = {
            "name": "Agency name",
            "short_name": "Short name",
            "kind": "Type of agency",
            "is_local_authority": "This agency is a local authority",
            "email_domains": "Email domains",
            "safeguarding_lead": "Safeguarding lead",
            "active": "Active",
        }
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "name": {
                "required": "Enter the agency name",
                "unique": "An agency with this name already exists",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["safeguarding_lead"].queryset = User.objects.filter(is_active=True)
        self.fields["safeguarding_lead"].empty_label = "Not set"
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version


class InviteUserForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=160,
        error_messages={"required": "Enter the person's full name"},
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their work email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    job_title = forms.CharField(label="Job title", max_length=160, required=False)
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.filter(active=True),
        error_messages={"required": "Select the agency"},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the role"},
    )
    duties = forms.MultipleChoiceField(
        label="Specific duties",
        choices=Duty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    access_ends_on = GovukDateField(
        label="Access ends on",
        required=False,
        help_text=(
            "For time-limited accounts such as an independent reviewer. For example, 27 3 2027"
        ),
    )
    reason = forms.CharField(
        label="Why do they need this role?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The person who confirms the role reads this",
        error_messages={"required": "Enter why they need this role"},
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this email address already exists")
        return email


class UserDetailsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    full_name = forms.CharField(
        label="Full name",
        max_length=160,
        error_messages={"required": "Enter the person's full name"},
    )
    job_title = forms.CharField(label="Job title", max_length=160, required=False)
    access_ends_on = GovukDateField(
        label="Access ends on",
        required=False,
        help_text="Leave blank for accounts that do not expire",
    )


class MembershipForm(forms.Form):
    """Propose a role, or duties on a role the person already holds (for a second person to
    confirm)."""

    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.filter(active=True),
        error_messages={"required": "Select the agency"},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the role"},
    )
    duties = forms.MultipleChoiceField(
        label="Specific duties",
        choices=Duty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="To add a duty to a role they already hold, choose that agency and role",
    )
    reason = forms.CharField(
        label="Why do they need it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The person who confirms it reads this",
        error_messages={"required": "Enter why they need it"},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )
