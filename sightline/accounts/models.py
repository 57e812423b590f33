"""Agencies, users, memberships and roles; sign-in records."""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_otp.models import Device

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


class SignInDevice(models.Model):
    """A browser that has signed in to an account: the server's half of its device cookie.

    The cookie carries a random token, signed; only the token's SHA-256 is stored here, so the
    table holds nothing a browser could present. Deleting the row revokes the cookie."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_devices")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Browser of {self.user_id} since {self.created_at:%Y-%m-%d}"


class SignInFailure(models.Model):
    """Failed sign-in attempts, keyed by the submitted (normalised) e-mail and the client address.

    The client address is REMOTE_ADDR, or the address a trusted proxy forwarded
    (`client_ip()`), so rotating a forwarded header cannot reset a lockout. A failure made from
    a browser holding a valid device cookie for the account counts against that browser only
    (`device`); every other failure counts against the account and the address."""

    username = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    stage = models.CharField(max_length=10, default="password")
    device = models.ForeignKey(
        SignInDevice, null=True, blank=True, on_delete=models.CASCADE, related_name="failures"
    )

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


class RoleGrant(models.Model):
    """A role, or duties on a role, proposed by one person that takes effect only when a second
    person confirms it (docs/decisions/0018-two-person-grants.md). Nobody proposes for
    themselves, and the proposer never confirms."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(max_length=30, choices=Role.choices)
    duties = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                condition=Q(status="proposed"),
                name="role_grant_one_proposal_per_role",
            ),
            models.CheckConstraint(
                condition=~Q(proposed_by=F("user")), name="role_grant_not_for_the_proposer"
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | (
                    Q(decided_by__isnull=False)
                    & ~Q(decided_by=F("user"))
                    & ~Q(decided_by=F("proposed_by"))
                ),
                name="role_grant_confirmed_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.agency} for {self.user}"

    @staticmethod
    def confirmer_roles_for(role: str) -> frozenset[str]:
        """Who confirms a grant of `role`: a partner lead for the business-unit role, another
        system administrator or the business unit for the system-administrator role, and the
        business unit for every other role. Duties are confirmed by whoever confirms the role
        they are held on."""
        if role == Role.BUSINESS_UNIT:
            return frozenset({Role.PARTNER_LEAD})
        if role == Role.SYSTEM_ADMIN:
            return frozenset({Role.SYSTEM_ADMIN, Role.BUSINESS_UNIT})
        return frozenset({Role.BUSINESS_UNIT})

    @property
    def confirmer_roles(self) -> frozenset[str]:
        return self.confirmer_roles_for(self.role)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PROPOSED


class RecoveryCodeDevice(Device):
    """Single-use recovery codes, kept only as password hashes (django-otp's own static device
    keeps its tokens in clear). A matched code is deleted, so it works once."""

    class Meta:
        verbose_name = "recovery codes"

    @staticmethod
    def normalise(code: str) -> str:
        return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:32]

    def verify_token(self, token) -> bool:
        code = self.normalise(str(token))
        if not code:
            return False
        for stored in self.codes.all():
            if check_password(code, stored.code_hash):
                # Only one request can delete it: a code raced from two browsers works once.
                deleted, _ = RecoveryCode.objects.filter(pk=stored.pk).delete()
                return deleted > 0
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"Recovery code of device {self.device_id}"
