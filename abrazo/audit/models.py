"""The ledger of who saw or changed records about people. Append-only."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    # A supervisor opened a record outside their scope in an emergency (BreakGlassGrant).
    BREAK_GLASS = "break_glass", _("Emergency access")


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class AccessEventQuerySet(models.QuerySet["AccessEvent"]):
    """Bulk UPDATE and DELETE go around Model.save/delete, so they are refused here as well (the
    database triggers refuse them too, but on SQLite only UPDATE is covered there)."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("Audit events are append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise ValueError("Audit events are append-only")


class AccessEvent(models.Model):
    """One access. Foreign keys are plain values on purpose: the ledger outlives what it describes,
    and a cascading delete or SET NULL would need the UPDATE/DELETE the table refuses."""

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("when (UTC)"), db_index=True)
    user_id = models.UUIDField(_("user id"), null=True, blank=True, db_index=True)
    user_email = models.CharField(_("user"), max_length=254, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    network_id = models.UUIDField(_("network id"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_ids = models.JSONField(_("returned ids"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.ALLOWED)
    path = models.CharField(_("path"), max_length=300, blank=True)
    # Emergency ("break glass") access: the grant's own event and every read of the granted record made while
    # it lasted carry the grant's id, so a review finds them all; the grant's event also keeps the written
    # reason here, where nobody can change it afterwards.
    break_glass_grant_id = models.UUIDField(_("emergency access"), null=True, blank=True, db_index=True)
    # Nullable on purpose: adding a NOT NULL column makes SQLite rebuild the table, which would drop the
    # append-only trigger of migration 0002.
    reason = models.TextField(_("reason given"), null=True, blank=True)  # noqa: DJ001

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["user_id", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.user_email} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("Audit events are append-only")


class BreakGlassGrant(BaseModel):
    """A supervisor's time-limited emergency access to one record outside their scope (issue 9).

    It opens that one record, in the grant's network, for the read permissions in access.BREAK_GLASS_READS,
    until `expires_at`. Unlike the ledger it is not append-only: a network administrator marks it reviewed.
    What was granted, to whom and why is copied into the append-only ledger when the grant is made."""

    network = models.ForeignKey("directory.Network", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants", verbose_name=_("who")
    )
    role = models.CharField(_("role"), max_length=32)
    object_type = models.CharField(_("kind of record"), max_length=64)
    object_id = models.UUIDField(_("record"))
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted (UTC)"))
    expires_at = models.DateTimeField(_("expires (UTC)"))
    reviewed_at = models.DateTimeField(_("reviewed (UTC)"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-granted_at", "id"]
        indexes = [
            # The grants a person holds now (read on their requests that touch episodes or incidents).
            models.Index(fields=["user", "expires_at"], name="breakglass_user_expires"),
            # The review list: a network's grants, unreviewed first, newest first.
            models.Index(fields=["network", "reviewed_at", "-granted_at"], name="breakglass_review"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} · {self.granted_at:%Y-%m-%d %H:%M}"


@receiver(pre_save, sender=AccessEvent)
def _mark_emergency_access(sender: type[AccessEvent], instance: AccessEvent, **kwargs: Any) -> None:
    """Every event goes through here, however audit.services built it, so emergency access is marked in one
    place: the grant's own event with its reason, and the reads made under it (break_glass_selectors)."""
    if instance._state.adding:
        from abrazo.audit.break_glass_selectors import mark_event

        mark_event(instance)
