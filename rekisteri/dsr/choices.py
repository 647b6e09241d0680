"""Vocabulary of rights-request cases."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The right exercised (GDPR Art. 15-21); a case may name several."""

    ACCESS = "access", _("Access (Art. 15)")
    PORTABILITY = "portability", _("Portability (Art. 20)")
    RECTIFICATION = "rectification", _("Rectification (Art. 16)")
    ERASURE = "erasure", _("Erasure (Art. 17)")
    RESTRICTION = "restriction", _("Restriction (Art. 18)")
    OBJECTION = "objection", _("Objection (Art. 21)")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    AWAITING_IDENTITY = "awaiting_identity", _("Awaiting identity")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING_IDENTITY, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN)

# The status machine: from -> allowed next states.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {
            Status.AWAITING_IDENTITY,
            Status.IN_PROGRESS,
            Status.COMPLETED,
            Status.REFUSED,
            Status.WITHDRAWN,
        }
    ),
    # Completed before identity is verified only with the answer that the
    # register holds nothing of the requester (case_answer_none_held);
    # case_complete itself needs a case in progress.
    Status.AWAITING_IDENTITY: frozenset(
        {Status.IN_PROGRESS, Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN}
    ),
    Status.IN_PROGRESS: frozenset(
        {
            Status.AWAITING_IDENTITY,
            Status.COMPLETED,
            Status.REFUSED,
            Status.WITHDRAWN,
        }
    ),
    Status.COMPLETED: frozenset(),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


class IdentityState(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    CODE_SENT = "code_sent", _("Code sent to an address on file")
    VERIFIED = "verified", _("Verified")


class IdentityReason(models.TextChoices):
    """Why a case waits for identity: shown to staff."""

    NONE = "", _("-")
    NO_MATCH = "no_match", _("No person in the register matches the requester")
    ADDRESS_NOT_ON_FILE = (
        "address_not_on_file",
        _("The requester's address is not on file for the matched person"),
    )
    SEVERAL_MATCHES = (
        "several_matches",
        _("Several persons match; staff must choose"),
    )
    CODE_SENT = "code_sent", _("A one-time code was sent; waiting for it")


class IdentityMethod(models.TextChoices):
    NONE = "", _("-")
    PORTAL_CODE = "portal_code", _("Portal code to an address on file")
    EMAIL_CODE = "email_code", _("One-time code to an address on file")
    STAFF_CHECK = "staff_check", _("Staff-recorded check")


class Letter(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    IDENTITY_REQUEST = "identity_request", _("Identity request")
    IDENTITY_CODE = "identity_code", _("Identity code")
    PORTAL_CODE = "portal_code", _("Portal confirmation code")
    EXTENSION = "extension", _("Extension notice")
    COMPLETION = "completion", _("Completion")
    DOWNLOAD_CODE = "download_code", _("Download code")
    REFUSAL = "refusal", _("Refusal")
    NONE_HELD = "none_held", _("No data held")
