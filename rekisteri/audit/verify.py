"""Verifying the audit chain (``manage.py audit verify``).

The table is streamed in id order, a chunk at a time (keyset on ``id``, plain
``values_list`` tuples), so memory stays flat however long the log is. Each
row's hash is recomputed from its content and its ``prev_hash`` is compared
with the previous row's hash; the head (where the chain starts and ends, and
its seal) closes both ends. The first thing wrong is named with its row id
and a kind:

``modified``
    the row's content no longer gives its stored hash;
``deleted``
    the row(s) before it are missing: an id gap, or a ``prev_hash`` that no
    row in the table carries;
``inserted``
    a row that is not part of the chain: the row after it still links to its
    predecessor, it sits before the chain's start or after the head;
``reordered``
    the row links to an event that the table holds *later*;
``truncated``
    the head says the chain is longer than the table;
``head``
    the head itself was edited (its seal does not match).

Only the first failure is reported: everything after a break is suspect
anyway, and finding it is what the investigator needs.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from rekisteri.audit.chain import (
    AT,
    CHAINED_FIELDS,
    SUBJECT,
    canonical,
    chain_key,
    content_of,
    head_seal,
    iso_at,
    link,
)
from rekisteri.audit.models import AuditEvent, AuditHead

# Columns fetched per row: the chained content, then the two hashes.
COLUMNS = (*CHAINED_FIELDS, "prev_hash", "hash")
_N = len(CHAINED_FIELDS)
DEFAULT_CHUNK = 5000


@dataclass(frozen=True)
class Problem:
    """The first thing wrong with the chain."""

    kind: str  # modified | deleted | inserted | reordered | truncated | head
    row_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row_id}" if self.row_id is not None else "chain"
        return f"{self.kind}: {where}: {self.message}"


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify_chain`` found: events checked and the first problem."""

    checked: int
    first_id: int | None
    last_id: int | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


TABLE = AuditEvent._meta.db_table
_JSON = [CHAINED_FIELDS.index(name) for name in ("fields", "categories", "details")]


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _normaliser(vendor: str) -> Callable[[tuple], list[Any]]:
    """Turn a raw row into the values ``canonical`` hashes, fast.

    The hot loop reads rows through a plain cursor: Django's per-value
    converters cost more than the hashing. Both backends hand JSON columns
    back as text; SQLite gives ``at`` as UTC text and a UUID as 32 hex
    digits; PostgreSQL renders ``at`` and the UUID in their hashed form
    (``_select_sql``). Other backends get the generic conversion.
    """
    loads = json.loads
    j0, j1, j2 = _JSON

    # The JSON columns repeat a lot (``[]``, ``{}``, the same field lists):
    # each distinct text is parsed once. The parsed values are only encoded
    # again, never changed, so sharing them is safe.
    cache: dict[str, Any] = {}

    def cached(text: str) -> Any:
        value = cache.get(text)
        if value is None:
            if len(cache) > 50_000:
                cache.clear()
            value = cache[text] = loads(text)
        return value

    if vendor == "sqlite":

        def sqlite(raw: tuple) -> list[Any]:
            values = list(raw[:_N])
            at = raw[AT]
            values[AT] = at.replace(" ", "T", 1) + (
                ".000000+00:00" if len(at) == 19 else "+00:00"
            )
            subject = raw[SUBJECT]
            if subject is not None and len(subject) == 32:
                values[SUBJECT] = (
                    f"{subject[:8]}-{subject[8:12]}-{subject[12:16]}-"
                    f"{subject[16:20]}-{subject[20:]}"
                )
            values[j0] = cached(raw[j0])
            values[j1] = cached(raw[j1])
            values[j2] = cached(raw[j2])
            return values

        return sqlite

    if vendor == "postgresql":
        # ``_select_sql`` has PostgreSQL hand ``at``, the UUID and the JSON
        # columns over as text in their hashed form, so the driver parses no
        # timestamps or JSON.
        def postgresql(raw: tuple) -> list[Any]:
            values = list(raw[:_N])
            values[j0] = cached(raw[j0])
            values[j1] = cached(raw[j1])
            values[j2] = cached(raw[j2])
            return values

        return postgresql

    def generic(raw: tuple) -> list[Any]:
        values = list(raw[:_N])
        values[AT] = iso_at(raw[AT])
        if raw[SUBJECT] is not None:
            values[SUBJECT] = str(raw[SUBJECT])
        for i in _JSON:
            if isinstance(values[i], str | bytes):
                values[i] = loads(values[i])
        return values

    return generic


def _row(values: tuple) -> dict[str, Any]:
    return dict(zip(COLUMNS, values, strict=True))


def _fetch(row_id: int) -> dict[str, Any] | None:
    values = AuditEvent.objects.filter(pk=row_id).values_list(*COLUMNS).first()
    return _row(values) if values else None


def _next_after(row_id: int) -> dict[str, Any] | None:
    values = (
        AuditEvent.objects.filter(pk__gt=row_id)
        .order_by("id")
        .values_list(*COLUMNS)
        .first()
    )
    return _row(values) if values else None


def _holder_of(hash_: str) -> int | None:
    return AuditEvent.objects.filter(hash=hash_).values_list("id", flat=True).first()


def _diagnose(
    key: bytes,
    row: dict[str, Any],
    expected_id: int,
    expected_prev: str,
    head_last_id: int | None,
) -> Problem:
    """Say what is wrong at the first row that does not check out."""
    rid = row["id"]
    if head_last_id is not None and rid > head_last_id:
        return Problem(
            "inserted", rid, f"the row comes after the head's last event {head_last_id}"
        )
    if rid < expected_id:
        return Problem(
            "inserted", rid, f"the row precedes the chain's start (event {expected_id})"
        )
    if rid > expected_id:
        missing = (
            f"event {expected_id}"
            if rid == expected_id + 1
            else f"events {expected_id}–{rid - 1}"
        )
        return Problem("deleted", expected_id, f"{missing} missing before row {rid}")
    own = link(key, row["prev_hash"], content_of(row))
    consistent = hmac.compare_digest(own, row["hash"])
    if row["prev_hash"] == expected_prev:
        following = _next_after(rid)
        if following is not None and following["prev_hash"] == expected_prev:
            return Problem(
                "inserted",
                rid,
                "the row is not part of the chain: the next row links to the "
                "event before it",
            )
        return Problem("modified", rid, "the row's content does not match its hash")
    holder = _holder_of(row["prev_hash"])
    if holder is not None and holder > rid:
        return Problem(
            "reordered",
            rid,
            f"the row was chained after row {holder}, later in the table",
        )
    if holder is None:
        altered = "" if consistent else " (and this row was renumbered or altered)"
        return Problem(
            "deleted",
            rid,
            "the event this row was chained after is missing from the table" + altered,
        )
    return Problem("modified", rid, "the row does not link to the event before it")


def _sealed(key: bytes, head: AuditHead) -> bool:
    seal = head_seal(
        key,
        first_id=head.first_id,
        anchor_hash=head.anchor_hash,
        last_id=head.last_id,
        last_hash=head.last_hash,
        count=head.count,
    )
    return hmac.compare_digest(seal, head.seal)


def _read_head(key: bytes) -> tuple[AuditHead | None, Problem | None]:
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and not _sealed(key, head):
        return head, Problem("head", None, "the chain head was edited (seal mismatch)")
    return head, None


def _select_sql() -> str:
    columns = [qn(c) for c in COLUMNS]
    if connection.vendor == "sqlite":
        # As text: the driver's datetime converter is slower than our slicing.
        columns[AT] = f"CAST({columns[AT]} AS TEXT)"
    elif connection.vendor == "postgresql":
        # Exactly ``iso_at``'s form: UTC, microseconds, "+00:00".
        columns[AT] = (
            f"to_char({columns[AT]} AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\')'
        )
        columns[SUBJECT] = f"{columns[SUBJECT]}::text"
        for i in _JSON:
            columns[i] = f"{columns[i]}::text"
    # Only quoted column and table names are interpolated.
    return (
        f"SELECT {', '.join(columns)} FROM {qn(TABLE)} "  # noqa: S608
        f"WHERE {qn('id')} > %s AND {qn('id')} <= %s ORDER BY {qn('id')}"
    )


def verify_chain(
    *,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Check the whole chain; ``progress(checked, last_id)`` after each chunk.

    Runs beside a live system without locking it: the table is read up to
    the head as it was at the start, then the head is read again and the
    scan continues to wherever it has moved, until the two agree. Only rows
    beyond the final head are "inserted".
    """
    key = chain_key()
    head, problem = _read_head(key)
    if problem is not None:
        return VerifyResult(0, None, None, problem)
    if head is None:
        if AuditEvent.objects.exists():
            return VerifyResult(
                0,
                None,
                None,
                Problem("head", None, "events exist but the chain head is missing"),
            )
        return VerifyResult(0, None, None, None)
    first_id = head.first_id
    expected_id = first_id
    last_hash = head.anchor_hash
    checked = 0
    bound = head.last_id
    after = -(2**62)
    normalise = _normaliser(connection.vendor)
    sql = _select_sql()
    encode = canonical

    def result(problem: Problem | None) -> VerifyResult:
        return VerifyResult(
            checked, first_id if checked else None, expected_id - 1, problem
        )

    while True:
        # One streaming query per pass (a server-side cursor on PostgreSQL),
        # read ``chunk`` rows at a time. Repeated LIMIT queries let the
        # planner, without fresh statistics, sort the whole remaining range
        # for every chunk: quadratic on a freshly loaded table.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [after, bound])
            while rows := cursor.fetchmany(chunk):
                for raw in rows:
                    values = normalise(raw)
                    rid = values[0]
                    prev_hash = raw[_N]
                    if (
                        rid != expected_id
                        or prev_hash != last_hash
                        or link(key, prev_hash, encode(values)) != raw[_N + 1]
                    ):
                        row = dict(
                            zip(COLUMNS, (*values, prev_hash, raw[_N + 1]), strict=True)
                        )
                        return result(
                            _diagnose(key, row, expected_id, last_hash, bound)
                        )
                    last_hash = raw[_N + 1]
                    expected_id += 1
                    checked += 1
                after = rows[-1][0]
                if progress is not None:
                    progress(checked, after)
            fresh, problem = _read_head(key)
            if problem is not None or fresh is None:
                return result(
                    problem or Problem("head", None, "the chain head disappeared")
                )
            if fresh.first_id != first_id:
                return result(
                    Problem(
                        "head",
                        None,
                        "the chain was purged while it was being verified; "
                        "run verify again",
                    )
                )
            head = fresh
            if head.last_id > bound:
                bound = head.last_id  # events appended meanwhile: go on
                continue
            last_seen = expected_id - 1
            if last_seen < head.last_id:
                return result(
                    Problem(
                        "truncated",
                        last_seen + 1,
                        f"the head says the chain ends at event {head.last_id}; "
                        f"the table ends at {last_seen}",
                    )
                )
            if last_hash != head.last_hash or checked != head.count:
                return result(
                    Problem(
                        "modified", last_seen, "the last row does not match the head"
                    )
                )
            extra = (
                AuditEvent.objects.filter(id__gt=head.last_id)
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
            if extra is None:
                return result(None)
            again, _problem = _read_head(key)
            if again is not None and again.last_id > head.last_id:
                bound = again.last_id  # an append landed in between
                continue
            return result(
                Problem(
                    "inserted",
                    extra,
                    f"the row comes after the head's last event {head.last_id}",
                )
            )
