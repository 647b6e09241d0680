from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    """The catalogue's retention rules: each has a date per subject
    (``DueDate``) or per record (``retention.cases``)."""

    RELATIONSHIP = "relationship", _("customer relationship")
    BOOKKEEPING_VOUCHER = "bookkeeping_voucher", _("accounting voucher")
    BOOKKEEPING_BOOK = "bookkeeping_book", _("books of account")
    MARKETING = "marketing", _("marketing (prospect)")
    PRIVACY_CASE = "privacy_case", _("privacy case")
    UNVERIFIED_REQUEST = "unverified_request", _("unconfirmed portal request")
    AUDIT = "audit", _("audit log")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed")
    INTERRUPTED = "interrupted", _("interrupted")


class EntryKind(models.TextChoices):
    SKIPPED = "skipped", _("skipped")
    ERROR = "error", _("error")
