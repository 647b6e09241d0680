"""What the dsr routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.dsr.choices import Letter
from rekisteri.dsr.services import case_create
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """A rights-request case received by letter, and its letter to post."""
    case = case_create(
        actor=None,
        kinds=["access"],
        channel="letter",
        requester_name="Salainen Pyytäjä",
        requester_address="Salainen katu 1",
    ).case
    # Its acknowledgement, to post: the requester gave no email address.
    letter = case.messages.get(by_post=True, letter=Letter.ACKNOWLEDGEMENT)
    return World(ids={"dsr": str(case.id), "letter": str(letter.pk)})


SITE = {
    # Rights requests: the public portal (no login) and the case pages.
    "dsr:portal_fi": Expect(),
    "dsr:portal_sv": Expect(),
    "dsr:portal_en": Expect(),
    "dsr:confirm_fi": Expect("POST", (), 400, {"draft": "x", "code": "1"}),
    "dsr:confirm_sv": Expect("POST", (), 400, {"draft": "x", "code": "1"}),
    "dsr:confirm_en": Expect("POST", (), 400, {"draft": "x", "code": "1"}),
    "dsr:download_fi": Expect(),
    "dsr:download_sv": Expect(),
    "dsr:download_en": Expect(),
    "dsr:case_list": Expect(),
    "dsr:case_create": Expect(),
    "dsr:case_detail": Expect(events=("dsr.view",)),
    "dsr:case_act": Expect("POST", ("dsr.assign",), 302, {"op": "assign"}),
    # The kit's export id is another app's (a staff export): not this
    # case's, so 404 with the permission, nothing handed over or recorded.
    "dsr:case_export_hand_over": Expect("POST", (), 404),
    "dsr:case_letter_print": Expect(events=("dsr.letter_print",)),
}

API = {
    "GET /api/v1/dsr/cases": Expect(),
    "POST /api/v1/dsr/cases": Expect(
        "POST",
        ("dsr.create",),
        201,
        {"kinds": ["access"], "channel": "letter", "requester_address": "Katu 1"},
    ),
    "GET /api/v1/dsr/cases/{dsr_id}": Expect(events=("dsr.view",)),
    "POST /api/v1/dsr/cases/{dsr_id}/steps": Expect(
        "POST", ("dsr.assign",), 200, {"op": "assign"}
    ),
}
