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
:func:`delete_bulk` (below), so the receiver sees every row.

**Bulk forms.** A ``post_delete`` receiver that needs only a few columns of
each row (a role deleted: its person's due dates and its organization's
relationship end are recomputed, by id) may register a bulk form with
:func:`register_bulk_form`: the same work for many rows at once, given
their values. :func:`delete_bulk` deletes a model whose every delete
receiver has one with a read of those columns, one ``DELETE`` and one call
of each bulk form, instead of an instance and a signal per row (a batch
erasure deleting 2,600 roles spent about 85 ms in the collector, most of
its deletes). A model with a receiver that has no bulk form, a
``pre_delete`` receiver, or rows of other models referring to it (which the
collector would cascade) is deleted through ``QuerySet.delete()``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable, Sequence
from functools import cache
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, pre_delete

from rekisteri.core import compiled, idlist


def delete_rows(queryset: QuerySet) -> int:
    """Delete the rows of ``queryset`` with one statement; how many went."""
    model = queryset.model
    if pre_delete.has_listeners(model) or post_delete.has_listeners(model):
        # Every receiver sees every row: by its bulk form, or the collector.
        return delete_bulk(queryset)
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


@cache
def _row_type(columns: tuple[str, ...]) -> type:
    """The named tuple of a deleted row with ``columns``."""
    return namedtuple("DeletedRow", columns)  # noqa: PYI024 - fields vary


class _BulkForm(NamedTuple):
    columns: tuple[str, ...]
    receiver: Callable[[type[Model], Sequence[Any]], None]


# (model, the dispatch_uid of the post_delete receiver) → its bulk form
_bulk_forms: dict[tuple[type[Model], str], _BulkForm] = {}


def register_bulk_form(
    model: type[Model],
    *,
    dispatch_uid: str,
    columns: Sequence[str],
    receiver: Callable[[type[Model], Sequence[Any]], None],
) -> None:
    """Register the bulk form of ``model``'s ``post_delete`` receiver
    connected with ``dispatch_uid``: ``receiver(model, rows)``, called once
    after a bulk delete with the deleted rows, each a named tuple of ``pk``
    and ``columns`` (attribute names: ``person_id``). It must do what the
    receiver would have done for each of those rows."""
    fields = tuple(dict.fromkeys(("pk", *columns)))
    _bulk_forms[(model, dispatch_uid)] = _BulkForm(fields, receiver)


def _bulk_plan(model: type[Model]) -> list[_BulkForm] | None:
    """The bulk forms that stand for every delete receiver of ``model``, or
    None when the collector must delete it (see the module docstring)."""
    if pre_delete.has_listeners(model) or model._meta.related_objects:
        return None
    if not post_delete.has_listeners(model):
        return []
    forms = []
    anyone = id(None)  # a receiver connected without a sender
    for entry in post_delete.receivers:
        uid, sender = entry[0]
        if sender not in (id(model), anyone):
            continue
        form = _bulk_forms.get((model, uid)) if isinstance(uid, str) else None
        if form is None:
            return None  # a receiver without a bulk form sees each row
        forms.append(form)
    return forms


def delete_bulk(queryset: QuerySet) -> int:
    """Delete the rows of ``queryset``; how many went. With one ``DELETE``
    and each delete receiver's bulk form where every receiver has one, else
    through ``QuerySet.delete()`` (see the module docstring)."""
    model = queryset.model
    forms = _bulk_plan(model)
    if forms is None:
        return queryset.delete()[1].get(model._meta.label, 0)
    if not forms:
        return queryset.order_by()._raw_delete(queryset.db)
    row = _row_type(tuple(dict.fromkeys(c for f in forms for c in f.columns)))
    rows = [row(*values) for values in queryset.order_by().values_list(*row._fields)]
    if not rows:
        return 0
    # By the ids read: exactly the rows the bulk forms are told of; the
    # deletes and the receivers' work commit together, as the collector's.
    deleted = 0
    with transaction.atomic(using=queryset.db, savepoint=False):
        for chunk in idlist.chunks([r.pk for r in rows]):
            deleted += (
                model._default_manager.filter(idlist.among("pk", chunk))
                .order_by()
                ._raw_delete(queryset.db)
            )
        for form in forms:
            form.receiver(model, rows)
    return deleted
