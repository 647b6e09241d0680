"""Counters every app numbers its records with (customer numbers, contract
numbers): :func:`sequence_next` hands out values of a named counter, never
the same value twice (docs/architecture.md, The shared kit)."""

from __future__ import annotations

from rekisteri.core.models import Sequence


def sequence_next(name: str, *, start: int, count: int = 1) -> int:
    """Reserve ``count`` values of a counter; returns the first.

    Must run inside a transaction. The row is locked so two sessions never get
    the same value, and values are never handed back: a rolled-back insert
    leaves a gap rather than reusing a number.
    """
    seq = Sequence.objects.select_for_update().filter(name=name).first()
    if seq is None:
        Sequence.objects.create(name=name, last_value=start - 1 + count)
        return start
    first = seq.last_value + 1
    Sequence.objects.filter(name=name).update(last_value=seq.last_value + count)
    return first
