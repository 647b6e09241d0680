"""Reader of the legacy Finnish reference-payment file (KTL, viitesiirto).

Fixed-width records of 90 characters: ``0`` header, ``3`` reference
transfer, ``5`` direct debit, ``9`` summary. Each ``3``/``5`` record is one
payment with the bank's archive id (positions 28–43), the reference number
(44–63, zero-padded), the amount in cents (78–87), a correction flag (88:
``1`` is a reversal) and a receipt code (90). Read line by line, so a large
file does not fill memory. The payer name (64–75) is personal data and is
never read.

A record is a credit only when it is not a correction and, for a direct
debit, its receipt code is ``0`` (or blank): another code is a debit the
payer's bank did not make (the summary counts those apart). Corrections and
failed debits are reported, not recorded.

Each batch (``0`` … ``9``; a file may hold several) ends in a summary of its
credits, corrections and failed debits, counted and summed; the reader
checks its records against it and refuses a batch that does not add up or
has no summary, so a file cut short at a record's end, or edited, records
nothing (the import is all or nothing) rather than part of the money.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rekisteri.billing.camt import CamtTransaction
from rekisteri.core.bom import skip_bom

_CENTS = re.compile(r"[0-9]{10}")


class KtlError(ValueError):
    """The file is not a readable KTL file; its message, in the active
    language, says why (shown to the person importing it)."""


# A two-digit year further ahead than this is of the century before: a
# bank file is not dated decades ahead (99 in 2026 is 1999, not 2099).
_YEARS_AHEAD = 10


def _date(yymmdd: str, today: dt.date | None = None) -> dt.date | None:
    if not re.fullmatch(r"[0-9]{6}", yymmdd):
        return None
    year = 2000 + int(yymmdd[:2])
    if year > (today or dt.date.today()).year + _YEARS_AHEAD:
        year -= 100
    try:
        return dt.date(year, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None


# What a summary record counts (positions 2–52), each a count of six digits
# and a sum of eleven in cents: credits, corrections, failed direct debits.
_SUMMARY = (
    ("credits", 1, 7, 18),
    ("corrections", 18, 24, 35),
    ("failed debits", 35, 41, 52),
)


def _what(name: str) -> str:
    """A summary's count, named for a message."""
    return {
        "credits": _("credits"),
        "corrections": _("corrections"),
        "failed debits": _("failed direct debits"),
    }[name]


_COUNTS = re.compile(r"[0-9]{6}")
_SUMS = re.compile(r"[0-9]{11}")


class _Batch:
    """What one batch's records add up to, by what the summary counts."""

    def __init__(self, lineno: int) -> None:
        self.lineno = lineno
        self.totals = {name: [0, 0] for name, *_ in _SUMMARY}

    def add(self, kind: str, cents: int) -> None:
        total = self.totals[kind]
        total[0] += 1
        total[1] += cents

    def check(self, summary: str, lineno: int) -> None:
        """Refuse the batch unless ``summary`` says what its records add up
        to. A pair of fields left blank (an older file's summary of credits
        and corrections only) is not checked."""
        for name, start, middle, end in _SUMMARY:
            count, cents = summary[start:middle], summary[middle:end]
            if not count.strip() and not cents.strip():
                if any(self.totals[name]):
                    raise KtlError(
                        _("the summary on line %(line)s has no %(what)s")
                        % {"line": lineno, "what": _what(name)}
                    )
                continue
            if not (_COUNTS.fullmatch(count) and _SUMS.fullmatch(cents)):
                raise _at(_("unreadable summary on line %(line)s"), lineno)
            found, said = self.totals[name], [int(count), int(cents)]
            if found != said:
                raise KtlError(
                    _(
                        "the batch from line %(start)s does not add up: "
                        "%(found)s %(what)s of %(found_sum)s in its records, "
                        "%(said)s of %(said_sum)s in its summary (line %(line)s)"
                    )
                    % {
                        "start": self.lineno,
                        "found": found[0],
                        "what": _what(name),
                        "found_sum": _euros(found[1]),
                        "said": said[0],
                        "said_sum": _euros(said[1]),
                        "line": lineno,
                    }
                )


def _at(message: str, lineno: int) -> KtlError:
    """The refusal ``message`` (its ``%(line)s`` the line's number)."""
    return KtlError(message % {"line": lineno})


def _euros(cents: int) -> str:
    """An amount in cents written as the reader's language writes money
    (8279.65 in English, 8 279,65 in Finnish)."""
    return number_format(
        Decimal(cents).scaleb(-2), decimal_pos=2, use_l10n=True, force_grouping=True
    )


def read_ktl(stream: IO[bytes]) -> Iterator[CamtTransaction]:
    """Yield each payment record as a transaction (same shape as camt.054);
    raise :class:`KtlError` when a batch does not match its summary."""
    # Saved in a Windows editor: a UTF-8 byte order mark before the header.
    skip_bom(stream)
    text = io.TextIOWrapper(stream, encoding="latin-1", newline=None)
    position = 0
    header = False
    batch: _Batch | None = None
    try:
        for lineno, raw in enumerate(text, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            kind = line[0]
            if kind == "0":
                if batch is not None:
                    raise KtlError(
                        _("the batch from line %(start)s has no summary record")
                        % {"start": batch.lineno}
                    )
                header = True
                batch = _Batch(lineno)
                continue
            if not header:
                raise KtlError(_("no header record"))
            if kind == "9":
                if batch is None:
                    raise _at(_("a summary without a header on line %(line)s"), lineno)
                if len(line) < 35:
                    raise _at(_("record too short on line %(line)s"), lineno)
                # Trailing blanks may have been trimmed: what is not there
                # is blank (an older summary ends after the corrections).
                batch.check(line.ljust(90), lineno)
                batch = None
                continue
            if kind not in "35":
                raise _at(_("unknown record type on line %(line)s"), lineno)
            if batch is None:
                raise _at(
                    _("a record after its batch's summary on line %(line)s"), lineno
                )
            if len(line) < 88:
                raise _at(_("record too short on line %(line)s"), lineno)
            position += 1
            cents = line[77:87]
            whole = int(cents) if _CENTS.fullmatch(cents) else None
            correction = line[87] != "0"
            # Position 90 of a direct debit: 0 (or blank) when the payer's
            # bank made it; another code when it did not, and no money came.
            failed = kind == "5" and line[89:90].strip() not in ("", "0")
            if whole is not None:
                counted = (
                    "corrections"
                    if correction
                    else "failed debits"
                    if failed
                    else "credits"
                )
                batch.add(counted, whole)
            # Position 76 is the currency code: 1 is euro. Anything else is
            # passed on as such, for the import to report and not record.
            code = line[75]
            yield CamtTransaction(
                position=position,
                amount=Decimal(whole) / 100 if whole is not None else None,
                currency="EUR" if code == "1" else f"KTL-{code.strip() or '?'}",
                credit=not correction and not failed,
                booked=True,
                status="BOOK",
                account_currency="",
                booking_date=_date(line[21:27]) or _date(line[15:21]),
                bank_reference="KTL:" + line[27:43].strip(),
                references=(line[43:63].lstrip("0"),)
                if line[43:63].strip("0 ")
                else (),
                has_free_text=False,
            )
    finally:
        text.detach()
    if not header:
        raise KtlError(_("empty file"))
    if batch is not None:
        raise KtlError(
            _(
                "the batch from line %(start)s has no summary record: "
                "the file may be incomplete"
            )
            % {"start": batch.lineno}
        )
