"""The audit log is hash-chained and append-only in the database."""

import pytest
from django.db import DatabaseError, connection, transaction

from rekisteri.audit.chain import GENESIS
from rekisteri.audit.models import AuditEvent, AuditHead
from rekisteri.audit.services import audit_record
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def test_events_chain_in_order():
    staff = make_staff()
    first = audit_record(actor=staff, action="person.view", target_type="person")
    second = audit_record(actor=None, action="auth.login_failed", target_type="auth")
    assert first.id == 1 and second.id == 2
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    head = AuditHead.objects.get()
    assert (head.last_id, head.last_hash, head.count) == (2, second.hash, 2)
    assert first.actor_id == staff.pk and first.actor_label == staff.username


def test_fields_and_categories_are_sorted_names():
    event = audit_record(
        actor=None,
        action="person.update",
        target_type="person",
        fields=["phone", "email", "phone"],
        categories=["user.contact.phone_number"],
    )
    event.refresh_from_db()
    assert event.fields == ["email", "phone"]


def test_database_refuses_update_and_delete():
    event = audit_record(actor=None, action="x.test", target_type="x")
    for statement in (
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.id])
    assert AuditEvent.objects.get(pk=event.id).action == "x.test"


def test_an_action_that_rolls_back_leaves_no_event():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="x.test", target_type="x")
        raise RuntimeError
    assert not AuditEvent.objects.exists()
