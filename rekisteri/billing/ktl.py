"""Reader of the legacy Finnish reference-payment file (KTL, viitesiirto).

Fixed-width records of 90 characters: ``0`` header, ``3`` reference
transfer, ``5`` direct debit, ``9`` summary. Each ``3``/``5`` record is one
credit with the bank's archive id (positions 28–43), the reference number
(44–63, zero-padded), the amount in cents (78–87) and a correction flag
(88: ``1`` is a reversal, which is reported and not recorded). Read line by
line, so a large file does not fill memory. The payer name (64–75) is
personal data and is never read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from rekisteri.billing.camt import CamtTransaction
from rekisteri.core.bom import skip_bom

_CENTS = re.compile(r"[0-9]{10}")


class KtlError(ValueError):
    """The file is not a readable KTL file."""


def _date(yymmdd: str) -> dt.date | None:
    if not re.fullmatch(r"[0-9]{6}", yymmdd):
        return None
    try:
        return dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None


def read_ktl(stream: IO[bytes]) -> Iterator[CamtTransaction]:
    """Yield each payment record as a transaction (same shape as camt.054)."""
    # Saved in a Windows editor: a UTF-8 byte order mark before the header.
    skip_bom(stream)
    text = io.TextIOWrapper(stream, encoding="latin-1", newline=None)
    position = 0
    header = False
    try:
        for lineno, raw in enumerate(text, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            kind = line[0]
            if kind == "0":
                header = True
                continue
            if not header:
                raise KtlError("no header record")
            if kind == "9":
                continue
            if kind not in "35":
                raise KtlError(f"unknown record type on line {lineno}")
            if len(line) < 88:
                raise KtlError(f"record too short on line {lineno}")
            position += 1
            cents = line[77:87]
            amount = Decimal(int(cents)) / 100 if _CENTS.fullmatch(cents) else None
            # Position 76 is the currency code: 1 is euro. Anything else is
            # passed on as such, for the import to report and not record.
            code = line[75]
            yield CamtTransaction(
                position=position,
                amount=amount,
                currency="EUR" if code == "1" else f"KTL-{code.strip() or '?'}",
                credit=line[87] == "0",
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
        raise KtlError("empty file")
