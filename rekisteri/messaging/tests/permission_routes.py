"""What the messaging routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

import datetime as dt

from rekisteri.messaging.services import AttachmentIn, message_create
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """A message with an attachment, for the message-history routes."""
    message = message_create(
        actor=base.owner,
        organization=base.org,
        channel="phone",
        direction="in",
        occurred_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        subject="Salainen puhelu",
        body="Salainen sisältö",
        attachments=[AttachmentIn("salainen.txt", b"salainen")],
    )
    return World(
        ids={
            "message": str(message.id),
            "attachment": str(message.attachments.get().id),
        }
    )


SITE = {
    # The world's person waits to be told their data came from a vendor
    # (connectors' part of the world): the form shows the task and notice.
    "messaging:message_create": Expect(
        query={"organization": "@organization"}, events=("connectors.inform_prompt",)
    ),
    "messaging:message_detail": Expect(events=("message.view",)),
    "messaging:message_delete": Expect(),
    "messaging:attachment_download": Expect(events=("message.attachment_view",)),
    "messaging:organization_timeline": Expect(events=("message.list",)),
    "messaging:person_timeline": Expect(events=("message.list",)),
    "messaging:import_upload": Expect(),
}

API = {
    "GET /api/v1/messages/{message_id}": Expect(events=("message.view",)),
    "GET /api/v1/organizations/{organization_id}/messages": Expect(
        events=("message.list",)
    ),
    "GET /api/v1/persons/{person_id}/messages": Expect(events=("message.list",)),
    "POST /api/v1/messages": Expect(
        "POST",
        ("message.create",),
        201,
        {
            "organization_id": "@organization",
            "channel": "phone",
            "direction": "in",
            "occurred_at": "2026-01-06T10:00:00Z",
            "subject": "Kit",
        },
    ),
}
