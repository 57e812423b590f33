"""Agencies, users, memberships and roles; sign-in records."""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

from sightline.core.models import BaseModel


class Role(models.TextChoices):
    BUSINESS_UNIT = "business_unit", "Business unit"
    PARTNER_LEAD = "partner_lead", "Partner lead"
    AGENCY_LEAD = "agency_lead", "Agency safeguarding lead"
    PRACTITIONER = "practitioner", "Practitioner"
    REVIEWER = "reviewer", "Independent reviewer"
    SCRUTINEER = "scrutineer", "Independent scrutineer"
    SYSTEM_ADMIN = "system_admin", "System administrator"


# Roles whose holders can see case material: two-factor authentication is required for them.
CASE_MATERIAL_ROLES = frozenset(
    {
        Role.BUSINESS_UNIT,
        Role.PARTNER_LEAD,
        Role.AGENCY_LEAD,
        Role.PRACTITIONER,
        Role.REVIEWER,
        Role.SCRUTINEER,
    }
)


class Duty(models.TextChoices):
    """Specific duties granted on top of a role, per membership."""

    INCIDENT_NOTIFIER = "incident_notifier", "Serious incident notifier"
    PUBLICATION_APPROVER = "publication_approver", "Publication approver"


class Agency(BaseModel):
    class Kind(models.TextChoices):
        SAFEGUARDING_PARTNER = "safeguarding_partner", "Safeguarding partner"
        RELEVANT_AGENCY = "relevant_agency", "Relevant agency"
        OTHER = "other", "Other"

    name = models.CharField(max_length=160, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.RELEVANT_AGENCY)
    is_local_authority = models.BooleanField(
        default=False,
        help_text="A local authority: it leads and notifies serious incidents in its area",
    )
    email_domains = models.CharField(
        max_length=400, blank=True, help_text="Comma-separated, for example nhs.net, police.uk"
    )
    safeguarding_lead = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=160)
    job_title = models.CharField(max_length=160, blank=True)
    is_active = models.BooleanField(default=True)
    # Bumped to end every session the user holds (deactivation, password change, MFA reset).
    session_epoch = models.PositiveIntegerField(default=0)
    date_joined = models.DateTimeField(default=timezone.now)
    access_ends_on = models.DateField(
        null=True, blank=True, help_text="Time-limited accounts stop working after this date"
    )
    version = models.PositiveIntegerField(default=1)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self) -> str:
        # Include the epoch so bumping it invalidates every existing session.
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "sightline.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()


class Membership(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    duties = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.agency}"


class UserSession(models.Model):
    """Maps sessions to users so sign-out and deactivation can end them server-side."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Session of {self.user_id} from {self.created_at:%Y-%m-%d %H:%M}"


class SignInFailure(models.Model):
    """Failed sign-in attempts, keyed by the submitted (normalised) e-mail and the peer address.

    The peer address is REMOTE_ADDR as seen by the server (never X-Forwarded-For unless a trusted
    proxy is configured), so rotating a forwarded header cannot reset a lockout."""

    username = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    stage = models.CharField(max_length=10, default="password")

    def __str__(self) -> str:
        return f"Failed sign-in ({self.stage}) at {self.at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Invitation for {self.user_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
