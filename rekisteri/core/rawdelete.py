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

from django.db.models import QuerySet
from django.db.models.signals import post_delete, pre_delete


def delete_rows(queryset: QuerySet) -> int:
    """Delete the rows of ``queryset`` with one statement; how many went."""
    model = queryset.model
    if pre_delete.has_listeners(model) or post_delete.has_listeners(model):
        return queryset.delete()[1].get(model._meta.label, 0)
    # Django's own single-statement delete (what QuerySet.delete() runs when
    # no row needs collecting), without the collector in front of it.
    return queryset.order_by()._raw_delete(queryset.db)
