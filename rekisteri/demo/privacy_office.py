"""Demo data of the privacy office: the seed controller, a few register rows
and a published notice. Idempotent: does nothing once a profile exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rekisteri.privacy import breaches, services
from rekisteri.privacy.facts import catalogue_categories
from rekisteri.privacy.models import ControllerProfile


def seed() -> bool:
    """Load the demo privacy office; True if anything was added."""
    if ControllerProfile.objects.exists():
        return False
    today = timezone.localdate()
    now = timezone.now()
    categories = catalogue_categories()
    contact = [c for c in categories if c.startswith(("user.name", "user.contact"))]
    with transaction.atomic():
        services.profile_load_seed(actor=None)
        services.party_create(
            actor=None,
            data={
                "name": "Pohjoisen Palvelinkeskus Oy",
                "role": "processor",
                "service": "Server hosting and encrypted backups",
                "country": "FI",
                "data_categories": categories,
                "agreement_date": today - dt.timedelta(days=400),
                "guarantees": "ISO/IEC 27001 certified; data processing agreement "
                "(Art. 28) with audit rights.",
                "next_review_on": today + dt.timedelta(days=20),
                "transfer_mechanism": "none",
            },
        )
        services.party_create(
            actor=None,
            data={
                "name": "Postitus Nordic AB",
                "role": "processor",
                "service": "Invoice printing and mailing",
                "country": "SE",
                "data_categories": contact,
                "agreement_date": today - dt.timedelta(days=700),
                "guarantees": "Data processing agreement (Art. 28).",
                "next_review_on": today - dt.timedelta(days=10),
                "transfer_mechanism": "none",
            },
        )
        services.manual_record_create(
            actor=None,
            data={
                "title": "Signed customer contracts 2015–2016",
                "description": "Binder of paper contracts, archive shelf A3.",
                "location": "Locked archive room, Konetie 20",
                "retention_rule": "bookkeeping_voucher",
                "created_on": dt.date(2016, 12, 31),
                "destroy_by": dt.date(2023, 12, 31),
            },
        )
        services.manual_record_create(
            actor=None,
            data={
                "title": "Signed customer contracts 2024",
                "description": "Binder of paper contracts.",
                "location": "Locked archive room, Konetie 20",
                "retention_rule": "bookkeeping_voucher",
                "created_on": dt.date(2024, 12, 31),
                "destroy_by": dt.date(2031, 12, 31),
            },
        )
        breaches.breach_create(
            actor=None,
            data={
                "title": "Laptop left on a train",
                "discovered_at": now - dt.timedelta(hours=30),
                "occurred_at": now - dt.timedelta(hours=33),
                "description": "A staff laptop was lost. The disk is encrypted; "
                "the account's sessions were revoked.",
                "data_categories": contact,
                "people_approx": 0,
                "records_approx": 0,
                "consequences": "Unlikely: full-disk encryption.",
                "measures": "Sessions revoked, password reset, device wiped remotely.",
            },
        )
        services.notice_publish(actor=None)
    return True
