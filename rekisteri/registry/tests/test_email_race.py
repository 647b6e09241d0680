"""Parallel creates with the same email address: the database keeps one.

Each pair of requests is held at a barrier just after both passed the
service's own uniqueness check, so both go on to insert: exactly the race an
outside review won 9 times of 10. The loser must get the usual field error.
One of the two then waits until the other's request has finished, so the
second insert meets a committed row: the in-memory SQLite test database
cannot wait on a lock held by another connection (PostgreSQL can, and the
outcome is the same).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.registry.models import PersonEmail
from rekisteri.registry.services import email_owners, persons
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db(transaction=True)

PAIRS = 3


def test_parallel_creates_with_one_address_make_one_person(monkeypatch) -> None:
    from django.test import Client

    user = make_staff(StaffRole.SALES)
    _token, raw = api_token_create(actor=user, name="race", scope="write")
    barrier = threading.Barrier(2, timeout=20)
    first_done = threading.Event()
    original = persons._check_emails_free

    def checked_then_wait(errors, emails, person):
        original(errors, emails, person)
        if barrier.wait() == 0:
            first_done.wait(30)

    monkeypatch.setattr(persons, "_check_emails_free", checked_then_wait)
    # The token's first use stamps its last-used time. Two first uses at
    # once would both write that row, and the shared in-memory test database
    # refuses the second writer at once instead of waiting as a file
    # database does (busy_timeout): a race of the harness, not of the
    # register. One use before the pairs takes the stamp out of the race.
    warm = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/persons")
    assert warm.status_code == 200, warm.status_code

    for n in range(PAIRS):
        barrier.reset()
        first_done.clear()
        email = f"kilpa.{n}@example.fi"
        results: list[tuple[int, dict]] = []

        def create(email: str = email, results: list = results) -> None:
            try:
                response = Client(headers={"Authorization": f"Bearer {raw}"}).post(
                    "/api/v1/persons",
                    data={"first_name": "Kilpa", "last_name": "Ajo", "emails": [email]},
                    content_type="application/json",
                )
                results.append((response.status_code, response.json()))
            finally:
                connections.close_all()
                first_done.set()

        threads = [threading.Thread(target=create) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        statuses = sorted(status for status, _body in results)
        assert statuses == [201, 422], results
        loser = next(body for status, body in results if status == 422)
        assert loser["error"]["code"] == "validation_error", loser
        codes = [e["code"] for e in loser["error"]["fields"]["emails"]]
        assert codes == ["email_taken"], loser
        assert len(email_owners(email)) == 1
    assert PersonEmail.objects.count() == PAIRS
