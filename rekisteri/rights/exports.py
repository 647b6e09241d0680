"""Stored exports: a staff member's access export or portability package of a
person, built as an encrypted file that only they may download, until it
expires (docs/rights.md, Stored exports).

::

    export_file_create(actor=user, person=person, fmt="json")  -> StaffExport
    export_files_of(user)                                      -> [StaffExport]
    export_file_download(actor=user, export_id=...)            -> Download
    export_files_purge()                                       -> int

The file is the same kind of sealed, expiring file a request case hands to
its requester (``core.sealed_files``): the content is sealed under the
person's CRM key, so erasing the person (which shreds the key) leaves
nothing readable, here or in a backup. A download by anyone but the maker, of an
expired or removed file, or of an unknown id is answered the same way
(:class:`NotFound`), so nothing is learnt from the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rekisteri.access.enforce import not_a_write_service
from rekisteri.audit.services import audit_record
from rekisteri.core import keyring, sealed_files
from rekisteri.core.errors import Conflict, NotFound, ValidationFailed
from rekisteri.registry.models import Person
from rekisteri.rights import services
from rekisteri.rights.conf import setting
from rekisteri.rights.models import StaffExport

# format → (content type, file name stem, extension)
FORMATS: dict[str, tuple[str, str, str]] = {
    "json": ("application/json", "access-export", "json"),
    "html": ("text/html; charset=utf-8", "access-export", "html"),
    "portability": ("application/zip", "portability", "zip"),
}


def expiry_days() -> int:
    return max(1, int(setting("REKISTERI_STAFF_EXPORT_DAYS")))


def _build(actor: Any, person: Person, fmt: str) -> tuple[bytes, list[str]]:
    """The file's bytes and the categories it holds, built by the export
    services (which check the matrix's export column and audit the export)."""
    if fmt == "portability":
        return services.portability_package(actor=actor, person=person)
    export = services.export_person(actor=actor, person=person, fmt=fmt)
    categories = sorted(
        {v["category"] for item in export["items"] for v in item["values"]}
    )
    if fmt == "html":
        return export_html(export), categories
    return export_json(export), categories


def export_json(export: dict[str, Any]) -> bytes:
    """An access export as the JSON file (docs/rights.md)."""
    return json.dumps(export, ensure_ascii=False, indent=2).encode()


def export_html(export: dict[str, Any]) -> bytes:
    """An access export as one self-contained HTML page to read or print, in
    the export's language (fi, sv or en), not the staff member's."""
    with translation.override(export["language"]):
        return render_to_string("rights/export.html", {"export": export}).encode()


@not_a_write_service(
    "an access export: the export services check the matrix's export column "
    "before anything is read; the stored file is that export, which a "
    "restriction of processing does not stop (Art. 15, 18(2) storage)"
)
def export_file_create(*, actor: Any, person: Person, fmt: str) -> StaffExport:
    """Build the export and store it sealed under the person's key for
    ``actor`` to download within the configured number of days. An erased
    person has no key to seal it under: :class:`Conflict` (``erased``), the
    erasure receipt says what is kept (the API and the command still answer
    with the export directly)."""
    if fmt not in FORMATS:
        raise ValidationFailed.single(
            "format", "invalid_choice", _("Choose JSON, readable or portability.")
        )
    if getattr(actor, "pk", None) is None:
        raise ValidationFailed.single(
            "actor", "required", _("A stored export is made by a staff member.")
        )
    if services.is_erased(person):
        # No key to seal it under; what is kept is on the erasure receipt.
        raise Conflict(
            _(
                "This person's data has been erased: the erasure receipt lists "
                "what is kept, on which ground and until when."
            ),
            code="erased",
        )
    with keyring.ensure_scope():
        data, categories = _build(actor, person, fmt)
    content_type, stem, ext = FORMATS[fmt]
    row = StaffExport.objects.create(
        person=person,
        fmt=fmt,
        categories=categories,
        # The random id of the person only, never a name.
        filename=sealed_files.safe_filename(f"{stem}-{person.pk}.{ext}"),
        content_type=content_type,
        content=data,
        size=len(data),
        expires_at=sealed_files.expiry(expiry_days()),
        made_by=actor,
    )
    audit_record(
        actor=actor,
        action="rights.export_file",
        target_type="staff_export",
        target_id=row.pk,
        subject_id=person.pk,
        categories=categories,
        purpose="customer_relationship",
        details={
            "format": fmt,
            "size": row.size,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return row


def export_files_of(user: Any, *, limit: int = 100) -> list[StaffExport]:
    """The files ``user`` made, newest first (expired ones marked by
    :meth:`StaffExport.available`); no personal value is read."""
    if getattr(user, "pk", None) is None:
        return []
    return list(
        StaffExport.objects.filter(made_by=user)
        .defer("content")
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


@not_a_write_service("hands the caller the file they made; writes nothing")
def export_file_download(*, actor: Any, export_id: Any) -> Download:
    """The file, for the staff member who made it while it is available;
    :class:`NotFound` for anything else (someone else's file, an expired or
    removed one, an unknown id), all answered alike."""
    row = StaffExport.objects.filter(pk=export_id).first()
    if (
        row is None
        or getattr(actor, "pk", None) is None
        or row.made_by_id != actor.pk
        or not row.available()
    ):
        raise NotFound()
    with keyring.ensure_scope():
        content = row.content
    if not isinstance(content, bytes):
        # The person's key was shredded: the file is gone with it.
        raise NotFound()
    audit_record(
        actor=actor,
        action="rights.export_download",
        target_type="staff_export",
        target_id=row.pk,
        subject_id=row.person_id,
        categories=list(row.categories),
        purpose="customer_relationship",
        details={"format": row.fmt, "size": row.size},
    )
    return Download(row.filename, row.content_type, bytes(content))


def export_files_purge() -> int:
    """Remove the content of every expired stored export (the daily job);
    the rows stay as the record."""
    count = sealed_files.purge_expired(StaffExport)
    if count:
        audit_record(
            actor=None,
            action="rights.export_purge",
            target_type="staff_export",
            details={"files": count, "as_of": timezone.now().isoformat()},
        )
    return count
