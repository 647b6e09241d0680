"""One row per run of a scheduled job (no personal data: the command's
last lines of output are counts and ids)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import not_personal


class JobRun(models.Model):
    id = not_personal(models.BigAutoField(primary_key=True))
    job = not_personal(models.CharField(_("job"), max_length=40, db_index=True))
    started_at = not_personal(models.DateTimeField(_("started"), default=timezone.now))
    finished_at = not_personal(models.DateTimeField(null=True, blank=True))
    ok = not_personal(models.BooleanField(null=True))
    # The run succeeded and found something for people to act on (the
    # command's declared finding exit status: overdue request cases).
    attention = not_personal(models.BooleanField(default=False))
    summary = not_personal(
        models.CharField(max_length=500, blank=True),
        "the command's last output line or the failure's kind: counts and ids",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_job")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
