"""Anchors: the chain's head written outside the database.

The hash chain and the sealed head detect edits, insertions and a cut-off
tail, but not a rollback: someone who can write the database can remove the
newest events and put back an older head row together with its seal, and
the shorter chain verifies. An anchor is the head (last id and hash) as it
was at some moment, appended as one JSON line to a file the database cannot
reach (an append-only file, a log shipper, a WORM bucket; docs/security.md).
``audit verify --anchor FILE`` then checks that the chain still contains
every anchored head: a row with that id and that hash. Each line carries an
HMAC under the chain key, so a forged line is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from rekisteri.audit.chain import chain_key
from rekisteri.audit.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"anchor line {self.line}: {self.message}"


def _mac(last_id: int, last_hash: str) -> str:
    message = f"rekisteri-audit-anchor|{last_id}|{last_hash}".encode()
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def current_anchor() -> dict:
    head = AuditHead.objects.filter(pk=1).first()
    last_id = head.last_id if head else 0
    last_hash = head.last_hash if head else ""
    return {
        "at": timezone.now().isoformat(),
        "last_id": last_id,
        "last_hash": last_hash,
        "mac": _mac(last_id, last_hash),
    }


def append_anchor(path: Path) -> dict:
    """Append the current head to ``path`` (created 0600, opened O_APPEND)."""
    anchor = current_anchor()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as fh:
        fh.write(json.dumps(anchor, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return anchor


def check_anchors(path: Path) -> AnchorProblem | None:
    """The first anchored head the chain no longer contains, or None.
    A file that does not exist yet holds no anchors (the first run starts it;
    the command says so)."""
    if not path.exists():
        return None
    head = AuditHead.objects.filter(pk=1).first()
    first_id = head.first_id if head else 1
    with open(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                anchor = json.loads(line)
                last_id = int(anchor["last_id"])
                last_hash = str(anchor["last_hash"])
                mac = str(anchor["mac"])
            except (ValueError, KeyError, TypeError):
                return AnchorProblem(number, "not an anchor line")
            if not hmac.compare_digest(mac, _mac(last_id, last_hash)):
                return AnchorProblem(number, "its MAC does not match (forged)")
            if last_id == 0 or last_id < first_id:
                continue  # before the first event, or purged by retention
            row = AuditEvent.objects.filter(pk=last_id).values_list("hash", flat=True)
            stored = row.first()
            if stored != last_hash:
                return AnchorProblem(
                    number,
                    f"event {last_id}, the head at {anchor.get('at', '?')}, is "
                    + ("gone" if stored is None else "different")
                    + ": the log was rolled back",
                )
    return None
