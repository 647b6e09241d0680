"""What the rights routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.sealed_files import expiry
from rekisteri.rights.models import RecipientNotice, Rectification, StaffExport
from rekisteri.testing import make_staff
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """A rectification of the person's name and its notice to a recipient,
    and a stored export, which is its maker's alone (docs/rights.md, Stored
    exports)."""
    rectified = Rectification.objects.create(
        person=base.person,
        case_ref="KIT-3",
        fields=["last_name"],
        categories=["user.name"],
    )
    notice = RecipientNotice.objects.create(
        person=base.person,
        rectification=rectified,
        recipient="Kit Hosting Oy",
        categories=["user.name"],
    )
    exporter = make_staff(StaffRole.PRIVACY_OFFICER, username="kit-exporter")
    staff_export = StaffExport.objects.create(
        person=base.person,
        fmt="json",
        filename=f"access-export-{base.person.pk}.json",
        content_type="application/json",
        content=b"{}",
        size=2,
        expires_at=expiry(7),
        made_by=exporter,
    )
    return World(
        ids={"notice": str(notice.id), "export": str(staff_export.id)},
        owners={"exporter": exporter},
    )


SITE = {
    # Data-subject rights. The world's person is in an open collection case:
    # the erasure is refused naming the hold (recorded), the plan shows it.
    "rights:export_schema": Expect(),
    "rights:person_export_build": Expect(
        "POST", ("rights.export", "rights.export_file"), 302, {"format": "json"}
    ),
    "rights:my_exports": Expect(),
    "rights:export_download": Expect(
        events=("rights.export_download",), user="exporter"
    ),
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
