"""The ledger of who saw or changed records about people. Append-only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
