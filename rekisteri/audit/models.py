"""The audit log: append-only, hash-chained events (docs/security.md, Audit log).

Each :class:`AuditEvent` carries ``prev_hash`` and ``hash``; ``hash`` is a
keyed HMAC (key derived from the index key, never stored) over the previous
hash and the row's canonical content, so editing, deleting, inserting or
reordering a row breaks the chain at a place ``manage.py audit verify`` names.
The database itself refuses UPDATE and DELETE on the table (triggers in the
migration); :class:`AuditHead` is the one row that says where the chain ends,
so cutting rows off the end is detected too.

Rows name fields and the need-to-know families of data (``categories``),
never values: ``details`` holds counts, codes and digests only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rekisteri.audit.choices import Outcome
from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
)

_AUDIT = dict(
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention="audit",
    erasure=Erasure.RETAIN,
)


class AuditEvent(models.Model):
    """One audited action. Never updated, never deleted (except by retention)."""

    # The position in the chain (1, 2, …), assigned under the head's lock.
    id = not_personal(models.BigIntegerField(primary_key=True))
    at = not_personal(models.DateTimeField(_("time"), db_index=True))
    # Plain ids, not foreign keys: an audit row must outlive what it names
    # and must never be touched by a cascade.
    actor_id = personal(
        models.BigIntegerField(_("staff user"), null=True, db_index=True),
        category="user.unique_id",
        subject="staff",
        **_AUDIT,
    )
    actor_label = personal(
        models.CharField(_("user name"), max_length=150, blank=True),
        category="user.account.username",
        subject="staff",
        **_AUDIT,
    )
    client = personal(
        models.CharField(_("client address"), max_length=64, blank=True),
        category="user.device.ip_address",
        subject="staff",
        **_AUDIT,
    )
    action = not_personal(models.CharField(_("action"), max_length=64))
    outcome = not_personal(
        models.CharField(
            _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OK
        )
    )
    target_type = not_personal(models.CharField(_("target"), max_length=64))
    target_id = not_personal(models.CharField(_("target id"), max_length=64))
    # The data subject whose data the action touched: what "who accessed
    # this person" reads. A random UUID, not the person's data. Found
    # through ``audit_subject_at`` (below), which leads with it.
    subject_id = personal(
        models.UUIDField(_("data subject"), null=True),
        category="user.unique_id",
        subject="staff",
        **_AUDIT,
    )
    fields = not_personal(models.JSONField(_("fields"), default=list))
    categories = not_personal(models.JSONField(_("data categories"), default=list))
    purpose = not_personal(models.CharField(_("purpose"), max_length=64, blank=True))
    details = not_personal(models.JSONField(_("details"), default=dict))
    prev_hash = not_personal(models.CharField(max_length=64))
    # Not indexed: every append would pay for it, and only a diagnosis of a
    # broken chain looks a hash up (audit/verify.py). The chain itself makes
    # each hash unique; a constraint would add nothing that someone able to
    # write rows could not drop (docs/security.md, Audit log: Chain).
    hash = not_personal(models.CharField(max_length=64))

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["subject_id", "at"], name="audit_subject_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"


class AuditHead(models.Model):
    """Where the chain ends: the last event's id and hash (one row, pk 1).

    Writers lock it first, which serialises appends on SQLite and PostgreSQL.
    """

    id = not_personal(models.PositiveSmallIntegerField(primary_key=True))
    last_id = not_personal(models.BigIntegerField(default=0))
    last_hash = not_personal(models.CharField(max_length=64))
    count = not_personal(models.BigIntegerField(default=0))
    # Where the chain starts: event 1 after GENESIS until a retention purge
    # removes the oldest events; then the first kept event and the hash of
    # the last purged one (the anchor its ``prev_hash`` must equal).
    first_id = not_personal(models.BigIntegerField(default=1))
    anchor_hash = not_personal(models.CharField(max_length=64, default="0" * 64))
    # HMAC over all of the above under the chain key: editing the head (to
    # hide a truncation, or to move the anchor) is detected like a row edit.
    seal = not_personal(models.CharField(max_length=64, blank=True))

    def __str__(self) -> str:
        return f"audit head at {self.last_id}"


class AuditPurgePermit(models.Model):
    """Present only inside the transaction that purges aged-out events.

    The SQLite DELETE trigger refuses a delete unless a permit row exists;
    the purge inserts one, deletes the oldest events, re-anchors the chain and
    removes the permit in the same transaction.
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    reason = not_personal(models.CharField(max_length=64))

    def __str__(self) -> str:
        return self.reason
