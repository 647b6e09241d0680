"""What the privacy routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rekisteri.privacy import breaches
from rekisteri.privacy import services as privacy
from rekisteri.testing.permissions import TODAY, Base, Expect, World


def world(base: Base) -> World:
    """The shipped controller profile, a published notice (the public pages
    show it), a processor, a paper record and a breach for the privacy
    office's routes."""
    privacy.profile_load_seed(actor=None)
    version = privacy.notice_publish(actor=None)
    processor = privacy.party_create(
        actor=None,
        data={
            "name": "Kit Hosting Oy",
            "role": "processor",
            "service": "Hosting",
            "country": "FI",
            "data_categories": ["user.name"],
            "agreement_date": dt.date(2025, 1, 1),
        },
    )
    record = privacy.manual_record_create(
        actor=None,
        data={
            "title": "Kit binder",
            "location": "Locked room",
            "retention_rule": "relationship",
            "created_on": dt.date(2020, 1, 1),
            "destroy_by": dt.date(2030, 1, 1),
        },
    )
    breach = breaches.breach_create(
        actor=None,
        data={
            "title": "Kit breach",
            "discovered_at": timezone.now() - dt.timedelta(hours=1),
            "description": "Kit",
        },
    )
    return World(
        ids={
            "version": str(version.id),
            "processor": str(processor.id),
            "record": str(record.id),
            "breach": str(breach.id),
        }
    )


SITE = {
    # Privacy office. The public notice pages answer anyone; the world has
    # published version 1. Writes record their events; the affected-people
    # export sends back to the breach until the list has been computed.
    "privacy:notice_fi": Expect(),
    "privacy:notice_sv": Expect(),
    "privacy:notice_en": Expect(),
    "privacy:notice_fi_md": Expect(),
    "privacy:notice_fi_html": Expect(),
    "privacy:notice_sv_md": Expect(),
    "privacy:notice_sv_html": Expect(),
    "privacy:notice_en_md": Expect(),
    "privacy:notice_en_html": Expect(),
    "privacy:dashboard": Expect(),
    "privacy:profile": Expect(),
    "privacy:profile_edit": Expect(),
    "privacy:profile_texts": Expect(query={"lang": "sv"}),
    "privacy:profile_load_seed": Expect(
        "POST",
        (
            "controller_profile.update",
            "controller_profile.texts_update",
            "controller_profile.texts_update",
            "controller_profile.texts_update",
        ),
        302,
        {},
    ),
    "privacy:notice_admin": Expect(),
    "privacy:notice_publish": Expect("POST", ("notice.publish",), 302, {}),
    "privacy:notice_waive": Expect(
        "POST", ("notice.waive",), 302, {"item": "dpo", "reason": "None appointed"}
    ),
    "privacy:notice_version": Expect(),
    "privacy:ropa": Expect(),
    "privacy:ropa_csv": Expect(events=("ropa.export",)),
    "privacy:ropa_json": Expect(events=("ropa.export",)),
    "privacy:party_list": Expect(),
    "privacy:party_create": Expect(),
    "privacy:party_edit": Expect(),
    "privacy:manual_record_list": Expect(),
    "privacy:manual_record_create": Expect(),
    "privacy:manual_record_detail": Expect(),
    "privacy:manual_record_edit": Expect(),
    "privacy:manual_record_destroy": Expect(
        "POST",
        ("manual_record.destroy",),
        302,
        {
            "destroyed_on": TODAY,
            "destruction_method": "shredding",
            "destroyed_by": "@kit_staff",
        },
    ),
    "privacy:breach_list": Expect(),
    "privacy:breach_create": Expect(),
    "privacy:breach_detail": Expect(),
    "privacy:breach_edit": Expect(),
    "privacy:breach_affected": Expect(
        "POST",
        ("breach.affected_compute",),
        302,
        {
            "account": "@kit_staff",
            "start": "2026-01-01T00:00",
            "end": "2026-01-02T00:00",
        },
    ),
    "privacy:breach_affected_csv": Expect(status=302),
}

API = {
    "GET /api/v1/privacy/notice/versions": Expect(),
    "GET /api/v1/privacy/ropa": Expect(),
    "GET /api/v1/privacy/parties": Expect(),
    "GET /api/v1/privacy/breaches": Expect(),
}
