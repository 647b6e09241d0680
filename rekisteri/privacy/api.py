"""The privacy office's read API: notice versions, the record of processing,
processors and recipients, and breaches with their clocks.

Read-only and for PRIVACY_VIEW (privacy officer, auditor), so compliance
tooling can pull the accountability records; changes go through the staff
pages, where the privacy officer sees the completeness check first. The
public notice itself is served as HTML and Markdown at ``/tietosuoja/``.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.privacy import breaches, ropa, selectors

router = Router(tags=["privacy"])


class NoticeVersionOut(Schema):
    id: str
    number: int
    published_at: dt.datetime
    digest: str
    languages: list[str]


class ActivityOut(Schema):
    controller: str
    purpose: str
    legal_basis: str
    data_subjects: str
    data_categories: str
    recipients: str
    transfers: str
    retention: str
    security: str


class PartyOut(Schema):
    id: str
    name: str
    role: str
    service: str
    country: str
    data_categories: list[str]
    agreement_date: dt.date | None
    next_review_on: dt.date | None
    transfer_mechanism: str
    is_active: bool


class BreachOut(Schema):
    id: str
    title: str
    discovered_at: dt.datetime
    authority_deadline: dt.datetime
    clock: str
    authority_notified_at: dt.datetime | None
    people_notified_at: dt.datetime | None
    people_approx: int | None
    records_approx: int | None
    affected_count: int | None


@router.get("/privacy/notice/versions", response=list[NoticeVersionOut])
@requires(Perm.PRIVACY_VIEW)
def notice_versions(request: HttpRequest) -> list[dict[str, Any]]:
    """Published privacy-notice versions, newest first."""
    return [
        {
            "id": str(v.pk),
            "number": v.number,
            "published_at": v.published_at,
            "digest": v.digest,
            "languages": ["fi", "sv", "en"],
        }
        for v in selectors.notice_versions()
    ]


@router.get("/privacy/ropa", response=list[ActivityOut])
@requires(Perm.PRIVACY_VIEW)
def record_of_processing(request: HttpRequest, lang: str = "en") -> list[dict]:
    """The record of processing activities (Art. 30(1)), one per purpose."""
    language = lang if lang in ("fi", "sv", "en") else "en"
    return [asdict(a) for a in ropa.activities(language=language)]


@router.get("/privacy/parties", response=list[PartyOut])
@requires(Perm.PRIVACY_VIEW)
def parties(request: HttpRequest) -> list[dict[str, Any]]:
    """Processors, recipients and joint controllers."""
    return [
        {
            "id": str(p.pk),
            "name": p.name,
            "role": p.role,
            "service": p.service,
            "country": p.country,
            "data_categories": list(p.data_categories),
            "agreement_date": p.agreement_date,
            "next_review_on": p.next_review_on,
            "transfer_mechanism": p.transfer_mechanism,
            "is_active": p.is_active,
        }
        for p in selectors.parties()
    ]


@router.get("/privacy/breaches", response=list[BreachOut])
@requires(Perm.PRIVACY_VIEW)
def breach_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Breaches with their 72-hour clock state."""
    return [
        {
            "id": str(b.pk),
            "title": b.title,
            "discovered_at": b.discovered_at,
            "authority_deadline": b.authority_deadline,
            "clock": breaches.clock_state(b),
            "authority_notified_at": b.authority_notified_at,
            "people_notified_at": b.people_notified_at,
            "people_approx": b.people_approx,
            "records_approx": b.records_approx,
            "affected_count": b.affected_count,
        }
        for b in selectors.breaches()
    ]
