"""People who sign in, and the roles that scope what they may see."""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel

if TYPE_CHECKING:
    from abrazo.directory.models import Network


class Role(models.TextChoices):
    NETWORK_ADMIN = "network_admin", _("Network administrator")
    REGIONAL_COORDINATOR = "regional_coordinator", _("Regional coordinator")
    SUPERVISOR = "supervisor", _("Supervisor")
    CONSULTANT = "consultant", _("Consultant")
    PROGRAM_STAFF = "program_staff", _("Program staff")
    EVALUATOR = "evaluator", _("Evaluator")


# Every role is "staff" in the MFA sense except nobody: families and the public never sign in.
MFA_REQUIRED_ROLES = frozenset(Role.values)

# When a person holds several memberships, navigation and the landing page follow the broadest.
ROLE_PRECEDENCE = [
    Role.NETWORK_ADMIN,
    Role.REGIONAL_COORDINATOR,
    Role.SUPERVISOR,
    Role.CONSULTANT,
    Role.PROGRAM_STAFF,
    Role.EVALUATOR,
]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account identified by email. `is_staff` only opens the Django admin (network admins)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=[("en", "English"), ("es", "Español")], default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def active_memberships(self) -> list[Membership]:
        """Memberships read once per request; access decisions consult this list many times."""
        return list(
            self.memberships.filter(is_active=True).select_related("network", "region", "agency", "program")
        )

    @property
    def roles(self) -> set[str]:
        return {membership.role for membership in self.active_memberships}

    @property
    def primary_role(self) -> str | None:
        held = self.roles
        for role in ROLE_PRECEDENCE:
            if role in held:
                return str(role)
        return None

    @property
    def primary_network(self) -> Network | None:
        memberships = self.active_memberships
        return memberships[0].network if memberships else None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class Membership(BaseModel):
    """A role held in a scope: the network, or one region, agency or program within it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "directory.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        "directory.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    program = models.ForeignKey(
        "directory.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["network", "role"]
        constraints = [
            models.CheckConstraint(
                name="membership_coordinator_has_region",
                condition=~models.Q(role="regional_coordinator") | models.Q(region__isnull=False),
            ),
            models.CheckConstraint(
                name="membership_program_staff_has_program",
                condition=~models.Q(role="program_staff") | models.Q(program__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        scope = self.program or self.region or self.agency or self.network
        return f"{self.get_role_display()} · {scope}"
