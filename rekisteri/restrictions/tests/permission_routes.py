"""What the restrictions routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.registry.models import Person
from rekisteri.restrictions.services import restriction_place
from rekisteri.testing.permissions import Expect, World


def restrict(world: World) -> None:
    """Restrict the world's person (lifting needs a restriction)."""
    restriction_place(
        actor=None, person=Person.objects.get(pk=world.ids["person"]), reason="Kit"
    )


SITE = {
    "restrictions:marketing": Expect(events=("marketing.list",)),
    "restrictions:marketing_csv": Expect(events=("marketing.export",)),
    "restrictions:restrict": Expect(
        "POST",
        ("restriction.place",),
        302,
        {"reason": "Kiistää osoitteen", "ground": "accuracy"}
        | {"requested_by": "data_subject"},
    ),
    "restrictions:lift": Expect(
        "POST",
        ("restriction.lift",),
        302,
        {"reason": "Selvitetty", "informed_how": "email"},
        prepare=lambda w: restrict(w),
    ),
    "restrictions:object": Expect(
        "POST", ("objection.record",), 302, {"purpose": "direct_marketing"}
    ),
}

API = {
    "POST /api/v1/persons/{person_id}/restriction": Expect(
        "POST", ("restriction.place",), 201, {"reason": "Kiistää osoitteen"}
    ),
    "POST /api/v1/persons/{person_id}/restriction/lift": Expect(
        "POST",
        ("restriction.lift",),
        200,
        {"reason": "Selvitetty", "informed_how": "email"},
        prepare=lambda w: restrict(w),
    ),
    "POST /api/v1/persons/{person_id}/objections": Expect(
        "POST", ("objection.record",), 201, {"purpose": "direct_marketing"}
    ),
    "GET /api/v1/marketing/selection": Expect(events=("marketing.list",)),
}
