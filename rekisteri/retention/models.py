"""Retention: legal periods, materialised due dates, sweep runs.

Nothing here is personal data: a due date is the register's own schedule
(which rule applies to which subject and from when), computed from rows the
catalogue classifies where they live; the rows go with their subject
(``CASCADE``) and are recomputed whenever those rows change.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import not_personal
from rekisteri.retention.choices import EntryKind, Rule, RunStatus


class LegalPeriod(models.Model):
    """How many years a statutory rule keeps data, for financial years that
    end in [valid_from, valid_to]; with the law that says so."""

    id = not_personal(models.BigAutoField(primary_key=True))
    rule = not_personal(models.CharField(_("rule"), max_length=32))
    years = not_personal(models.PositiveSmallIntegerField(_("years")))
    valid_from = not_personal(models.DateField(_("valid from")))
    valid_to = not_personal(models.DateField(_("valid to"), null=True, blank=True))
    source = not_personal(
        models.CharField(_("source"), max_length=300), "citation of the law"
    )

    class Meta:
        ordering = ["rule", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "valid_from"], name="legal_period_rule_from"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.years} ({self.valid_from}–{self.valid_to or ''})"


class DueDate(models.Model):
    """Until when a subject's data is kept under a rule.

    ``kept_until`` is the last day the data is kept; the sweep acts on rows
    whose ``kept_until`` is before its day. ``anchor_on`` is the day the
    rule's clock started (the end of the last role, the end of the financial
    year, the last interaction).
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    person = not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            null=True,
            blank=True,
            related_name="+",
            db_index=False,
        ),
        "link to the subject the schedule is for",
    )
    organization = not_personal(
        models.ForeignKey(
            "registry.Organization",
            on_delete=models.CASCADE,
            null=True,
            blank=True,
            related_name="+",
            db_index=False,
        )
    )
    rule = not_personal(models.CharField(max_length=32, choices=Rule.choices))
    anchor_on = not_personal(
        models.DateField(), "day the rule's clock started (a computed schedule)"
    )
    kept_until = not_personal(
        models.DateField(), "last day kept under the rule (a computed schedule)"
    )
    computed_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True, organization__isnull=False)
                | Q(person__isnull=False, organization__isnull=True),
                name="due_one_subject",
            ),
            models.UniqueConstraint(
                fields=["person", "rule"],
                condition=Q(person__isnull=False),
                name="due_person_rule",
            ),
            models.UniqueConstraint(
                fields=["organization", "rule"],
                condition=Q(organization__isnull=False),
                name="due_org_rule",
            ),
        ]
        indexes = [
            models.Index(fields=["kept_until", "rule", "id"], name="due_kept_until"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.kept_until}"


class SweepRun(models.Model):
    """One run of ``manage.py retention sweep``: what it did and skipped."""

    id = not_personal(models.BigAutoField(primary_key=True))
    started_at = not_personal(models.DateTimeField(_("started"), default=timezone.now))
    finished_at = not_personal(models.DateTimeField(_("ended"), null=True, blank=True))
    heartbeat_at = not_personal(models.DateTimeField(default=timezone.now))
    as_of = not_personal(models.DateField(_("as of")))
    dry_run = not_personal(models.BooleanField(_("dry run"), default=False))
    status = not_personal(
        models.CharField(
            _("status"),
            max_length=12,
            choices=RunStatus.choices,
            default=RunStatus.RUNNING,
        )
    )
    host = not_personal(models.CharField(max_length=255, blank=True), "server name")
    pid = not_personal(models.PositiveIntegerField(default=0))
    total = not_personal(models.PositiveIntegerField(default=0))
    processed = not_personal(models.PositiveIntegerField(default=0))
    counts = not_personal(
        models.JSONField(default=dict),
        "rule → outcome → count (erased, shredded, already, skipped, …)",
    )
    error = not_personal(
        models.CharField(max_length=300, blank=True), "the failure's kind"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention sweep")

    def __str__(self) -> str:
        return f"sweep {self.pk} ({self.status})"


class SweepEntry(models.Model):
    """A subject the sweep skipped (and why) or failed on (and how)."""

    id = not_personal(models.BigAutoField(primary_key=True))
    run = not_personal(
        models.ForeignKey(
            SweepRun, on_delete=models.CASCADE, related_name="entries", db_index=False
        )
    )
    kind = not_personal(models.CharField(max_length=8, choices=EntryKind.choices))
    rule = not_personal(models.CharField(max_length=32, choices=Rule.choices))
    subject_type = not_personal(models.CharField(max_length=12))
    subject_id = not_personal(
        models.UUIDField(), "random id of the subject, which may be erased since"
    )
    codes = not_personal(models.JSONField(default=list), "hold or error codes")
    message = not_personal(
        models.CharField(max_length=500, blank=True),
        "the holds' own texts, which name no person",
    )
    at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "kind"], name="sweep_entry_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.rule}"


class SweepLock(models.Model):
    """One row: which erasing sweep runs now. A second one refuses."""

    id = not_personal(models.PositiveSmallIntegerField(primary_key=True, default=1))
    run = not_personal(
        models.ForeignKey(
            SweepRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
        )
    )

    def __str__(self) -> str:
        return f"sweep lock ({self.run_id or 'free'})"
