"""The audit log: append-only events, sealed into a hash chain of blocks.

Every write and every staff view of a person's data appends an :class:`AuditEvent` in the same
transaction as the change. Appending takes no lock: each event carries the SHA-256 of its own
content, and its id comes from the database's sequence, so concurrent requests never wait for
one another. A sealer (the task worker, every few minutes, or ``relocard audit seal``) then
collects the events not yet sealed into an :class:`AuditBlock` whose hash covers the previous
block's hash and every (id, event hash) in it, in id order: a hash chain of blocks.

``relocard audit verify`` recomputes every event's hash and every block's hash from the
genesis: a changed event, a removed or inserted one, or a changed block breaks it at that
point. Events appended since the last seal are checked against their own hashes and reported
as not yet sealed. Database triggers refuse UPDATE and DELETE, except the one update the
sealer makes (setting the block of an event that has none).

No event carries an applicant's name: objects are referred to by type and id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _


class AuditBlock(models.Model):
    sealed_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    first_event = models.BigIntegerField()
    last_event = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"block #{self.pk} ({self.count} events)"


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: Kept as text too, so the event stays readable if the account is renamed or disabled.
    actor_label = models.CharField(_("actor"), max_length=254)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    member_state = models.CharField(_("member state"), max_length=2, blank=True, db_index=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    #: SHA-256 of this event's content (everything above), computed when it is appended.
    hash = models.CharField(max_length=64)
    block = models.ForeignKey(
        AuditBlock, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["block", "id"]),
            # The audit log filtered by a case: events naming it in their data (documents,
            # decisions, cards, codes...) are found by this index, its own events by the one
            # above (a bitmap OR of both, however long the log).
            models.Index(KeyTransform("case", "data"), name="audit_event_case"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only: an event cannot be deleted.")


class AuditChainHead(models.Model):
    """One row: the newest block's hash. Sealers lock it; writers never touch it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    blocks = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(name="single_chain_head", condition=models.Q(id=1))]

    def __str__(self) -> str:
        return f"head after {self.blocks} blocks"
