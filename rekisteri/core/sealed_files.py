"""Encrypted files kept for a download that expires (docs/rights.md, Stored
exports; docs/requests.md, Download).

A request case's export for the requester (``dsr.ExportFile``) and a staff
member's export of a person (``rights.StaffExport``) are the same thing: a
file sealed in a column under a data subject's key, with a name, a type, a
size and an expiry. The subclass declares the ``content`` column itself
(an ``EncryptedBinaryField`` classified with the subject whose key seals
it), so erasing that subject's key erases the file too. When the file is
handed out for the last time or expires its content is removed and the row
stays as the record (``deleted_at``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import not_personal

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class SealedFile(models.Model):
    """The columns every stored, expiring, encrypted file has."""

    filename = not_personal(models.CharField(max_length=100))
    content_type = not_personal(models.CharField(max_length=100))
    size = not_personal(models.PositiveIntegerField(default=0))
    expires_at = not_personal(models.DateTimeField())
    deleted_at = not_personal(
        models.DateTimeField(_("deleted"), null=True, blank=True), ""
    )
    created_at = not_personal(models.DateTimeField(auto_now_add=True))

    class Meta:
        abstract = True

    def available(self, now: dt.datetime | None = None) -> bool:
        """Content still there and the expiry not reached."""
        return self.deleted_at is None and self.expires_at > (now or timezone.now())


def safe_filename(name: str, default: str = "export.bin") -> str:
    """A file name that carries no path and no surprise characters."""
    return _UNSAFE.sub("_", name or default)[:100]


def expiry(days: int, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(days=days)


def shred(queryset: Any) -> int:
    """Remove the content of the files in ``queryset``; the rows stay."""
    return queryset.update(content=None, deleted_at=timezone.now())


def purge_expired(model: type[SealedFile], now: dt.datetime | None = None) -> int:
    """Remove the content of every expired file of ``model``; how many."""
    return shred(
        model._default_manager.filter(
            expires_at__lte=now or timezone.now(), deleted_at__isnull=True
        )
    )
