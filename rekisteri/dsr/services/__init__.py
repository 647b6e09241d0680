"""Writes of rights-request cases (docs/requests.md).

Every service validates first, reports every error together with stable
codes, then writes in one transaction with one audit event. Audit rows name
the case, its kinds and statuses, never the requester's details. Letters are
sent inside the transaction: a failed send leaves nothing half-saved.

The writes live in modules named for the stage of a case they serve
(docs/architecture.md, Services and selectors); this package re-exports
their public names, so callers import ``rekisteri.dsr.services`` as one API:

- ``casework``: what every case write shares (checks, the case lock, state
  moves, the audit event, letters);
- ``codes``: one-time codes, download tokens and keyed digests;
- ``intake``: opening, assigning and matching a case;
- ``identity``: confirming the requester's identity;
- ``decisions``: extending, refusing, withdrawing;
- ``fulfilment``: running the actions and completing the case;
- ``downloads``: the requester's download of an export, and its purge;
- ``expiry``: erasing a closed case's details when its retention ends.
"""

from rekisteri.dsr.services.casework import (
    MAX_TEXT,
    WRITES_NO_PERSON_ROWS,
    audit_case,
    check_email,
    check_kinds,
    check_text,
    letters_reason,
    local_date,
    lock_case,
    move_case,
    post_letter,
    reply,
    send_letter,
    staff_or_none,
    utc_now,
)
from rekisteri.dsr.services.codes import (
    MAX_CODE_ATTEMPTS,
    contact_digest,
    new_code,
    new_token,
    secret_hash,
    secret_matches,
)
from rekisteri.dsr.services.decisions import (
    case_extend,
    case_refuse,
    case_withdraw,
)
from rekisteri.dsr.services.downloads import (
    DOWNLOAD_SEGMENT,
    EXPORT_LINK_DAYS,
    PORTAL_PATHS,
    Download,
    DownloadRefused,
    download_path,
    export_download,
    export_hand_over,
    exports_purge_expired,
)
from rekisteri.dsr.services.expiry import Expiry, cases_expire, expiring_fields
from rekisteri.dsr.services.fulfilment import (
    NONE_HELD,
    case_answer_none_held,
    case_complete,
    case_record_manual,
    case_run_action,
)
from rekisteri.dsr.services.identity import (
    IDENTITY_CODE_HOURS,
    identity_confirm_code,
    identity_record_check,
    identity_request,
    identity_send_code,
    mark_identity_verified,
)
from rekisteri.dsr.services.intake import (
    Created,
    case_assign,
    case_create,
    case_match,
    open_duplicates,
    persons_with_email,
    persons_with_phone,
)

__all__ = [
    "Created",
    "Expiry",
    "DOWNLOAD_SEGMENT",
    "Download",
    "DownloadRefused",
    "cases_expire",
    "expiring_fields",
    "export_hand_over",
    "EXPORT_LINK_DAYS",
    "IDENTITY_CODE_HOURS",
    "MAX_CODE_ATTEMPTS",
    "MAX_TEXT",
    "PORTAL_PATHS",
    "WRITES_NO_PERSON_ROWS",
    "NONE_HELD",
    "audit_case",
    "case_answer_none_held",
    "case_assign",
    "case_complete",
    "case_create",
    "case_extend",
    "case_match",
    "case_record_manual",
    "case_refuse",
    "case_run_action",
    "case_withdraw",
    "check_email",
    "check_kinds",
    "check_text",
    "contact_digest",
    "download_path",
    "export_download",
    "exports_purge_expired",
    "identity_confirm_code",
    "identity_record_check",
    "identity_request",
    "identity_send_code",
    "letters_reason",
    "local_date",
    "lock_case",
    "mark_identity_verified",
    "move_case",
    "new_code",
    "new_token",
    "open_duplicates",
    "persons_with_email",
    "persons_with_phone",
    "secret_hash",
    "secret_matches",
    "post_letter",
    "reply",
    "send_letter",
    "staff_or_none",
    "utc_now",
]
