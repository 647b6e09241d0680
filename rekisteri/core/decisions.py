"""The checks a write asks before it writes, answered once per transaction.

An erasure is several write services in one transaction (the rights
engine's erasure, the message history's participation erasure, the key
shred), and each asks the one enforcement point itself before it writes
(``access.enforce.authorize_write``: the subject refusals, such as a
restriction of processing) and the erasure asks the legal holds
(``core.holds``) again where it shreds. Asked three times and twice within
a few milliseconds of the same transaction, the questions cost statements
and give the same answers.

A caller that holds its subjects locked for one transaction opens
:func:`scope` inside it, after the lock; inside the scope, a check that
found nothing against a person (no restriction, no hold) remembers it with
:func:`remember` and answers from :func:`known` for the rest of the block.
Every service still asks, in the same order, before it writes; only a
clear answer is remembered, never a refusal; and nothing outlives the
block, so the next transaction asks the database again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction

_memo: ContextVar[dict[str, dict[Any, Any]] | None] = ContextVar(
    "rekisteri_decisions", default=None
)


@contextmanager
def scope() -> Iterator[None]:
    """Remember clear answers until the block ends. Open it inside the
    transaction whose subjects are locked (a block inside a block joins
    it); outside a transaction it remembers nothing."""
    if _memo.get() is not None or not transaction.get_connection().in_atomic_block:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def known(check: str, keys: Iterable[Any]) -> dict[Any, Any]:
    """The remembered answers of ``check`` for those of ``keys`` it has
    answered in the open scope (none outside one)."""
    memo = _memo.get()
    if memo is None:
        return {}
    answers = memo.get(check, {})
    return {k: answers[k] for k in keys if k in answers}


def remember(check: str, answers: dict[Any, Any]) -> None:
    """Remember ``check``'s answers (key → answer) for the open scope."""
    memo = _memo.get()
    if memo is not None:
        memo.setdefault(check, {}).update(answers)
