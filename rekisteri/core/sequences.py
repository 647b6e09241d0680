"""Counters every app numbers its records with (customer numbers, contract
numbers): :func:`sequence_next` hands out values of a named counter, never
a committed value twice (docs/architecture.md, The shared kit)."""

from __future__ import annotations

from rekisteri.core.models import Sequence


def sequence_next(name: str, *, start: int, count: int = 1) -> int:
    """Reserve ``count`` values of a counter; returns the first.

    Must run inside the transaction that stores the numbered records. The
    row is locked until that transaction ends, so two sessions never get the
    same value. The reservation is part of the caller's transaction: if it
    rolls back, the counter rolls back with it and the same values are
    handed out again, so the committed numbers run without gaps (what
    invoice numbering wants) and none is ever committed twice.
    """
    seq = Sequence.objects.select_for_update().filter(name=name).first()
    if seq is None:
        Sequence.objects.create(name=name, last_value=start - 1 + count)
        return start
    first = seq.last_value + 1
    Sequence.objects.filter(name=name).update(last_value=seq.last_value + count)
    return first
