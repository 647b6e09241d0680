"""The requester's download of an access export through the public portal,
and the purge of expired exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from rekisteri.audit.services import audit_record
from rekisteri.core import sealed_files
from rekisteri.dsr.models import (
    ExportFile,
)
from rekisteri.dsr.services.casework import (
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


def exports_purge_expired() -> int:
    """Remove the content of every expired export; return how many."""
    return sealed_files.purge_expired(ExportFile, utc_now())
