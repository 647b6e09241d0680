"""The requester's download of an access export through the public portal,
its hand-over to staff for delivery by post, and the purge of expired
exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.audit.services import audit_record
from rekisteri.core import sealed_files
from rekisteri.core.errors import Conflict, NotFound
from rekisteri.dsr.choices import Status
from rekisteri.dsr.models import (
    ExportFile,
    RequestCase,
)
from rekisteri.dsr.services.casework import (
    WRITES_NO_PERSON_ROWS,
    audit_case,
    lock_case,
    staff_or_none,
    utc_now,
)
from rekisteri.dsr.services.codes import (
    MAX_CODE_ATTEMPTS,
    secret_hash,
    secret_matches,
)

EXPORT_LINK_DAYS = 7


PORTAL_PATHS = {
    "fi": "/tietosuoja/pyynto/",
    "sv": "/dataskydd/begaran/",
    "en": "/privacy/request/",
}


DOWNLOAD_SEGMENT = {"fi": "lataa", "sv": "ladda-ned", "en": "download"}


def download_path(language: str, token: str) -> str:
    lang = language if language in PORTAL_PATHS else "fi"
    return f"{PORTAL_PATHS[lang]}{DOWNLOAD_SEGMENT[lang]}/{token}/"


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


class DownloadRefused(Exception):
    """Same answer for a link that is unknown, expired, used or locked."""


def _shred_export(export: ExportFile) -> None:
    sealed_files.shred(ExportFile.objects.filter(pk=export.pk))


def export_download(*, token: str, code: str) -> Download:
    """Hand out the export once: the code must match, the link be unused and
    unexpired. The content is removed as it is handed out."""
    now = utc_now()
    wrong = False
    with transaction.atomic():
        export = (
            ExportFile.objects.select_for_update()
            .filter(token_hash=secret_hash("download", token or ""))
            .select_related("case")
            .first()
        )
        if export is None or export.deleted_at is not None:
            raise DownloadRefused()
        if export.expires_at <= now:
            # Deleted as the refusal is answered (committed, then refused).
            _shred_export(export)
            audit_record(
                actor=None,
                action="dsr.export_expired",
                target_type="dsr_case",
                target_id=export.case_id,
            )
            wrong = True
        elif export.attempts >= MAX_CODE_ATTEMPTS:
            raise DownloadRefused()
        elif not secret_matches("download_code", code, export.code_hash):
            export.attempts += 1
            export.save(update_fields=["attempts"])
            wrong = True
        else:
            content = export.content
            if not isinstance(content, bytes):
                raise DownloadRefused()
            result = Download(export.filename, export.content_type, content)
            export.downloaded_at = now
            export.save(update_fields=["downloaded_at"])
            _shred_export(export)
            audit_record(
                actor=None,
                action="dsr.export_download",
                target_type="dsr_case",
                target_id=export.case_id,
                details={"size": export.size},
            )
    if wrong:
        raise DownloadRefused()
    return result


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def export_hand_over(*, actor: Any, case: RequestCase, export_id: Any) -> Download:
    """Give staff the case's export to deliver by post or in person (a
    requester without email, or one who asked for it on paper). Only while
    the case is in progress, so its reply is still to come; the export is
    then never linked, and its content is removed when the case completes.
    Staff may fetch it again until then (a printer jams); each time is
    audited with the export's size, never its content."""
    with transaction.atomic():
        case = lock_case(case)
        export = case.exports.select_for_update().filter(pk=export_id).first()
        if export is None:
            raise NotFound(_("No such export on this case."), code="no_export")
        if case.status != Status.IN_PROGRESS:
            raise Conflict(
                _("An export is handed over while its case is in progress."),
                code="not_in_progress",
            )
        content = export.content
        if export.token_hash or export.deleted_at or not isinstance(content, bytes):
            raise Conflict(
                _("This export is no longer held: it was linked or removed."),
                code="export_gone",
            )
        first = export.handed_over_at is None
        if first:
            export.handed_over_at = utc_now()
            export.handed_over_by = staff_or_none(actor)
            export.save(update_fields=["handed_over_at", "handed_over_by"])
        audit_case(
            actor,
            "dsr.export_hand_over",
            case,
            size=export.size,
            again=not first,
        )
    return Download(export.filename, export.content_type, content)


def exports_purge_expired() -> int:
    """Remove the content of every expired export; return how many."""
    return sealed_files.purge_expired(ExportFile, utc_now())
