"""Every write service authorizes before it writes.

For each declared write service (found and called by ``write_calls.py``):

* the **restriction walk**: with the person's processing restricted, a
  service that touches the person refuses with code ``restricted`` (lifting
  and recording an objection excepted) and not one INSERT, UPDATE or DELETE
  reached either database before the refusal;
* the **matrix walk**: called by a role the need-to-know matrix allows
  nothing to change, every service of personal data is refused (Forbidden)
  with no write either.

Checking the statements sent, not only the end state, is what proves
"before": a check after the write would leave the same database behind
after its rollback."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from typing import Any

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from rekisteri.access import enforce
from rekisteri.accounts.choices import StaffRole
from rekisteri.core.errors import Conflict, Forbidden, ServiceError
from rekisteri.keystore.router import KEYSTORE_DB
from rekisteri.registry import services as registry
from rekisteri.restrictions import services as restrictions
from rekisteri.restrictions.tests.write_calls import (
    CALLS,
    World,
    build_world,
    discovered_services,
)
from rekisteri.testing import make_staff

# --------------------------------------------------------------------------
# The walks
# --------------------------------------------------------------------------

WRITES = ("insert", "update", "delete")


def _writes(captured: list[CaptureQueriesContext]) -> list[str]:
    """Statements that changed data, other than the audit log's (a refusal
    may be recorded)."""
    out = []
    for ctx in captured:
        for q in ctx.captured_queries:
            sql = q["sql"].lstrip().lower()
            if sql.startswith(WRITES) and "audit_" not in sql[:60]:
                out.append(q["sql"][:120])
    return out


class _Rollback(Exception):
    pass


def _attempt(world: World, name: str, actor: Any) -> tuple[Exception | None, list]:
    """Call the service inside a savepoint that is rolled back, recording the
    statements sent to both databases until it returned or raised."""
    call = CALLS[name]
    assert call is not None
    world = world.fresh()
    error: Exception | None = None
    with ExitStack() as stack:
        captured = [
            stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in ("default", KEYSTORE_DB)
        ]
        try:
            # Whatever the call did is undone in both databases, so the next
            # call meets the same world.
            with transaction.atomic(), transaction.atomic(using=KEYSTORE_DB):
                try:
                    call(world, actor)
                except Exception as exc:  # noqa: BLE001 - reported below
                    error = exc
                raise _Rollback
        except _Rollback:
            pass
    return error, _writes(captured)


def person_services() -> list[str]:
    discovered = discovered_services()
    return sorted(
        n
        for n, call in CALLS.items()
        if call is not None and discovered[n].write_service.subject == enforce.PERSON
    )


# A service that makes the person cannot meet them restricted.
CREATES_THE_PERSON = {
    "rekisteri.registry.services.persons.person_create",
    "rekisteri.registry.bulk.contacts_create",
}


@pytest.mark.django_db
def test_restriction_walk_every_person_service_refuses_before_writing():
    world = build_world()
    restrictions.restriction_place(actor=None, person=world.person, reason="Kiista")
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    problems = []
    walked = 0
    for name in person_services():
        if name in CREATES_THE_PERSON:
            continue
        walked += 1
        allowed = name.rsplit(".", 1)[1] in {
            "restriction_lift",
            "objection_record",
            # Telling the recipients of the restriction (Art. 19).
            "notice_record",
        }
        error, writes = _attempt(world, name, officer if allowed else None)
        if allowed:
            if error is not None:
                problems.append(f"{name}: allowed while restricted, raised {error!r}")
            continue
        if not isinstance(error, ServiceError) or error.code != "restricted":
            problems.append(f"{name}: not refused as restricted ({error!r})")
        elif writes:
            problems.append(f"{name}: wrote before refusing: {writes}")
    assert walked >= 20, walked
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_matrix_walk_every_service_of_personal_data_is_refused_before_writing():
    world = build_world()
    # The auditor's role may change no customer data in the matrix.
    auditor = make_staff(StaffRole.AUDITOR)
    problems = []
    for name, call in sorted(CALLS.items()):
        if call is None:
            continue
        error, writes = _attempt(world, name, auditor)
        if not isinstance(error, Forbidden):
            problems.append(f"{name}: not refused ({error!r})")
        elif writes:
            problems.append(f"{name}: wrote before refusing: {writes}")
    assert not problems, "\n".join(problems)


# Refusals that come after the enforcement point, by design of the world.
EXPECTED_WITHOUT = {
    # The world's open collection case is a legal hold on the contact's data.
    "rekisteri.registry.services.shredding.person_shred": "legal_hold",
    "rekisteri.rights.erasure.erasure_execute": "legal_hold",
    "rekisteri.rights.erasure.erasure_execute_many": "legal_hold",
    "rekisteri.registry.services.shredding.persons_shred": "legal_hold",
    "rekisteri.dsr.services.expiry.cases_expire": "legal_hold",
}


@pytest.mark.django_db
def test_without_the_restriction_the_calls_succeed():
    """The walk's calls are real: unrestricted, the system may make them
    (so a refusal above comes from the restriction, not a broken call)."""
    world = build_world()
    problems = []
    for name in person_services():
        if name.endswith("restriction_lift"):
            continue
        error, _writes_ = _attempt(world, name, None)
        expected = EXPECTED_WITHOUT.get(name)
        if error is not None and getattr(error, "code", None) != expected:
            problems.append(f"{name}: {error!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_refusal_hook_is_consulted_by_the_enforcement_point():
    calls = []

    def refuse(person_ids, operation, actor):
        calls.append((person_ids, operation))
        raise Conflict("no", code="test_refusal")

    pid = uuid.uuid4()
    enforce.register_refusal("test", refuse)
    try:
        with pytest.raises(Conflict) as info:
            enforce.authorize_write(
                actor=None, person_id=pid, families=(), operation="x.y"
            )
        assert info.value.code == "test_refusal"
        assert calls == [([pid], "x.y")]
        # No person, no subject refusal.
        enforce.authorize_write(actor=None, families=(), operation="x.y")
        assert len(calls) == 1
    finally:
        enforce.unregister_refusal("test")


@pytest.mark.django_db
def test_the_walk_sees_a_write_made_before_a_refusal():
    """The statement capture is what proves "before": a service that wrote
    and then refused (relying on the rollback) is caught."""
    world = build_world()

    def writes_then_refuses(w: World, a: Any) -> None:
        registry.person_create(actor=None, first_name="Ennen", last_name="Tarkistusta")
        raise Forbidden(code="need_to_know")

    CALLS["test.writes_then_refuses"] = writes_then_refuses
    try:
        error, writes = _attempt(world, "test.writes_then_refuses", None)
    finally:
        del CALLS["test.writes_then_refuses"]
    assert isinstance(error, Forbidden)
    assert any(w.lower().startswith("insert") for w in writes)
