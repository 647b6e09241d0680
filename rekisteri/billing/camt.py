"""Streaming reader of ISO 20022 camt.054 bank-to-customer notifications.

The file is read with ``iterparse`` one ``Ntry`` at a time and each finished
entry is cleared, so memory stays flat however many entries a bank sends.
Any camt.054 version is accepted (namespaces are ignored). An entry with
several ``TxDtls`` yields one :class:`CamtTransaction` per transaction.

Another bank-to-customer message is refused, naming it: a camt.053
statement or a camt.052 report lists the same payments as the day's
camt.054 notifications under archive ids (``AcctSvcrRef``) of its own, so
importing both would record each payment twice, and a duplicate is only
recognised by its archive id (docs/billing.md).

An entry marked as a reversal (``RvslInd`` true) is never a credit: it
undoes an earlier booking (a returned payment) and pays no invoice. Nor is
a transaction that says of itself that it is a debit (its own
``CdtDbtInd``, camt.054.001.03 and later) or a return (``RtrInf``: a
payment we sent, coming back), whatever its entry says.

Only a structured creditor reference (``Strd/CdtrRefInf/Ref``, type SCOR or
none) is taken as a reference. Free text (``Ustrd``) is never mined for
numbers: a payment without a structured reference is reported, not guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET  # noqa: S405 - types and ParseError only
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


class CamtError(ValueError):
    """The file is not a readable camt.054 document."""


@dataclass(frozen=True)
class CamtTransaction:
    """One credit or debit transaction of a notification."""

    position: int  # 1-based, in file order
    amount: Decimal | None
    currency: str
    credit: bool
    booked: bool
    status: str  # BOOK, PDNG, INFO (camt); "" when the file gives none
    account_currency: str  # Ntfctn/Acct/Ccy when given
    booking_date: dt.date | None
    bank_reference: str  # AcctSvcrRef (per transaction when the bank gives one)
    references: tuple[str, ...]
    has_free_text: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _children(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _text(el: ET.Element | None, *path: str) -> str:
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else ""


# ISO 20022 amounts are plain decimals: ASCII digits and a point. An exponent
# ("1e3"), a comma or other digits are not an amount. Absurd sizes are read
# (up to a length) so that the import can report them as too large.
_AMOUNT = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,10})?")


def _amount(el: ET.Element | None) -> tuple[Decimal | None, str]:
    if el is None:
        return None, ""
    raw = (el.text or "").strip()
    if not _AMOUNT.fullmatch(raw):
        return None, el.get("Ccy", "")
    return Decimal(raw), el.get("Ccy", "")


def _date(el: ET.Element | None) -> dt.date | None:
    raw = _text(el, "Dt") or _text(el, "DtTm")[:10]
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _references(tx: ET.Element) -> tuple[tuple[str, ...], bool]:
    rmt = _child(tx, "RmtInf")
    refs = []
    for strd in _children(rmt, "Strd"):
        for info in _children(strd, "CdtrRefInf"):
            kind = _text(info, "Tp", "CdOrPrtry", "Cd")
            proprietary = _text(info, "Tp", "CdOrPrtry", "Prtry")
            ref = _text(info, "Ref")
            if ref and not proprietary and kind in ("", "SCOR"):
                refs.append(ref)
    return tuple(refs), bool(_children(rmt, "Ustrd"))


NOTIFICATION = "BkToCstmrDbtCdtNtfctn"  # camt.054
# The other messages a bank sends its customer, as a person knows them.
OTHER_MESSAGES = {
    "BkToCstmrStmt": gettext_noop("a camt.053 account statement"),
    "BkToCstmrAcctRpt": gettext_noop("a camt.052 account report"),
}


def _not_a_notification(name: str) -> CamtError:
    known = OTHER_MESSAGES.get(name)
    if known is None:
        return CamtError(
            _("not a camt.054 notification (its message is %(name)s)")
            % {"name": name[:60]}
        )
    return CamtError(
        _(
            "%(what)s, not a camt.054 notification: its entries repeat the "
            "notifications' payments under other archive ids and would be "
            "recorded twice; import the bank's camt.054 file"
        )
        % {"what": _(known)}
    )


def read_camt054(stream: IO[bytes]) -> Iterator[CamtTransaction]:
    """Yield the transactions of a camt.054 file, in order, streaming.

    Parsed by defusedxml's ``iterparse`` with document type declarations
    forbidden: a bank file has none, and ElementTree would expand a
    document's internal entities. The parser refuses the declaration
    itself, whatever the file's encoding (a UTF-16 file's ``<!DOCTYPE`` is
    not those bytes)."""
    position = 0
    root_seen = False
    message_seen = False
    in_entry = False
    account_ccy = ""
    try:
        for event, el in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            name = _local(el.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if name != "Document":
                        raise CamtError(_("not an ISO 20022 document"))
                elif not message_seen:
                    # The document's one child names its message.
                    message_seen = True
                    if name != NOTIFICATION:
                        raise _not_a_notification(name)
                elif name == "Ntfctn":
                    account_ccy = ""
                elif name == "Ntry":
                    in_entry = True
                continue
            if name == "BkToCstmrDbtCdtNtfctn":
                el.clear()
                continue
            if name == "Acct" and not in_entry:
                # The notification's account (entries come after it).
                account_ccy = _text(el, "Ccy")
                continue
            if name != "Ntry":
                continue
            entry_amount, entry_ccy = _amount(_child(el, "Amt"))
            # A reversal (RvslInd true) is not a payment, whichever way it
            # books: a CRDT reversal is money we sent coming back, and may
            # carry an invoice's reference. Like a KTL correction record, it
            # is reported and not recorded.
            reversal = _text(el, "RvslInd").lower() in ("true", "1")
            credit = _text(el, "CdtDbtInd") == "CRDT" and not reversal
            # Older versions: <Sts>BOOK</Sts>; camt.054.001.08 and later:
            # <Sts><Cd>BOOK</Cd></Sts>. Only BOOK is booked: PDNG (pending)
            # and INFO (informational) entries may still be cancelled.
            status = _text(el, "Sts", "Cd") or _text(el, "Sts")
            booked = status == "BOOK"
            booking_date = _date(_child(el, "BookgDt")) or _date(_child(el, "ValDt"))
            entry_ref = _text(el, "AcctSvcrRef")
            txs = [
                tx
                for details in _children(el, "NtryDtls")
                for tx in _children(details, "TxDtls")
            ]
            for i, tx in enumerate(txs or [None]):
                position += 1
                if tx is None:
                    refs, free = (), False
                    amount, ccy = entry_amount, entry_ccy
                    bank_ref = entry_ref
                    tx_credit = credit
                else:
                    refs, free = _references(tx)
                    # The transaction's own word, where it gives one, can only
                    # take the credit away: a debit, or a return of a payment
                    # we sent (which may carry an invoice's reference).
                    own_side = _text(tx, "CdtDbtInd")
                    returned = _child(tx, "RtrInf") is not None
                    tx_credit = credit and own_side in ("", "CRDT") and not returned
                    # The transaction's own amount where the file gives one
                    # (an unreadable one is not replaced by another), else
                    # the entry's when the entry has a single transaction.
                    own = _child(tx, "AmtDtls", "TxAmt", "Amt")
                    if own is None:
                        own = _child(tx, "Amt")
                    if own is not None:
                        amount, ccy = _amount(own)
                    elif len(txs) == 1:
                        amount, ccy = entry_amount, entry_ccy
                    else:
                        amount, ccy = None, entry_ccy
                    tx_ref = _text(tx, "Refs", "AcctSvcrRef")
                    bank_ref = tx_ref or (
                        entry_ref
                        if len(txs) == 1 or not entry_ref
                        else f"{entry_ref}/{i + 1}"
                    )
                yield CamtTransaction(
                    position=position,
                    amount=amount,
                    currency=ccy,
                    credit=tx_credit,
                    booked=booked,
                    status=status,
                    account_currency=account_ccy,
                    booking_date=booking_date,
                    bank_reference=bank_ref,
                    references=refs,
                    has_free_text=free,
                )
            el.clear()
            in_entry = False
    except CamtError:
        raise
    except DefusedXmlException:
        raise CamtError(_("document type declarations are not allowed")) from None
    except ET.ParseError as exc:
        raise CamtError(
            _("not well-formed XML (line %(line)s)") % {"line": exc.position[0]}
        ) from None
    except (ValueError, LookupError):
        # The parser's answer to an encoding it cannot read: one Python
        # does not know (LookupError), or a multi-byte one expat does not
        # know by the declared name ("UTF-16-BE", "Shift_JIS": ValueError).
        raise CamtError(
            _("its declared character encoding cannot be read (a bank file is UTF-8)")
        ) from None
    if not root_seen:
        raise CamtError(_("empty file"))
    if not message_seen:
        raise CamtError(_("the document holds no message"))
