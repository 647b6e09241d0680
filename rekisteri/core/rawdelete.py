"""Deleting rows with one statement, without Django's deletion collector.

``QuerySet.delete()`` reads every row it deletes as a model instance, and
the rows of every model that refers to it, before it deletes anything: it
must, to send the delete signals and to cascade. A batch erasure deleting a
person's hundred messages (``messaging.erasure``) paid more for building
those instances than for the deletes. :func:`delete_rows` is the one
statement ``DELETE ... WHERE`` for a model no signal receiver watches, once
the caller has deleted the rows that refer to the deleted ones itself.

Nothing is lost silently: a row still referring to a deleted one makes the
database refuse (its foreign keys: at once on SQLite, at the commit on
PostgreSQL, whose keys Django declares deferred), and a model with a
``pre_delete`` or ``post_delete`` receiver is deleted through
``QuerySet.delete()`` as before, so the receiver sees every row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, pre_delete

from rekisteri.core import compiled


def delete_rows(queryset: QuerySet) -> int:
    """Delete the rows of ``queryset`` with one statement; how many went."""
    model = queryset.model
    if pre_delete.has_listeners(model) or post_delete.has_listeners(model):
        return queryset.delete()[1].get(model._meta.label, 0)
    # Django's own single-statement delete (what QuerySet.delete() runs when
    # no row needs collecting), without the collector in front of it.
    return queryset.order_by()._raw_delete(queryset.db)


def delete_among(
    key: Hashable,
    build: Callable[[list[Any]], QuerySet],
    ids: list[Any],
    *,
    model: type[Model],
) -> int:
    """:func:`delete_rows` of ``build(ids)``, a queryset of ``model`` whose
    only varying parameters are the ids it filters by: the statement is
    compiled once per process under ``key`` (core/compiled.py), since an
    erasure deletes the same kinds of row again and again."""
    if not ids:
        return 0
    if pre_delete.has_listeners(model) or post_delete.has_listeners(model):
        return delete_rows(build(ids))
    return compiled.among_delete(("rawdelete", key), build, ids, model=model)
