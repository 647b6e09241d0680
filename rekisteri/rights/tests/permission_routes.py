"""What the rights routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.rights.models import RecipientNotice, Rectification
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """A rectification of the person's name and its notice to a recipient."""
    rectified = Rectification.objects.create(
        person=base.person,
        case_ref="KIT-3",
        fields=["last_name"],
        categories=["user.name"],
    )
    notice = RecipientNotice.objects.create(
        rectification=rectified, recipient="Kit Hosting Oy", categories=["user.name"]
    )
    return World(ids={"notice": str(notice.id)})


SITE = {
    # Data-subject rights. The world's person is in an open collection case:
    # the erasure is refused naming the hold (recorded), the plan shows it.
    "rights:export_schema": Expect(),
    "rights:person_export": Expect(events=("rights.export",)),
    "rights:person_portability": Expect(events=("rights.export",)),
    "rights:person_erasure": Expect(events=("rights.erasure_plan",)),
    "rights:person_rectify": Expect(events=("person.view",)),
    "rights:notices": Expect(),
    "rights:notice_record": Expect(
        "POST", ("rights.recipient_notice",), 302, {"state": "impossible"}
    ),
    "rights:person_erase": Expect(
        "POST", ("rights.erase",), 302, {"confirm": "yes", "reason": "kit"}
    ),
}

API = {
    "GET /api/v1/persons/{person_id}/export": Expect(events=("rights.export",)),
    "GET /api/v1/persons/{person_id}/erasure-plan": Expect(
        events=("rights.erasure_plan",)
    ),
    "POST /api/v1/persons/{person_id}/erasure": Expect(
        "POST", ("rights.erase",), 409, {"reason": "kit", "confirm": True}
    ),
}
