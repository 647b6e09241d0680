"""What the registry routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.testing.permissions import Expect

SITE = {
    "registry:home": Expect(status=302),
    "registry:organization_list": Expect(events=("organization.list",)),
    "registry:organization_create": Expect(),
    "registry:organization_detail": Expect(events=("organization.view",)),
    "registry:organization_edit": Expect(events=("organization.view",)),
    "registry:person_list": Expect(events=("person.list",)),
    "registry:person_create": Expect(),
    # The contracts section lists the person's contract attachments; the
    # world's person waits to be told their data came from a vendor
    # (connectors' part of the world), which the page shows.
    "registry:person_detail": Expect(
        events=("person.view", "connectors.inform_prompt", "contract_party.list")
    ),
    "registry:person_edit": Expect(events=("person.view",)),
    "registry:role_create": Expect(events=("person.view",)),
    "registry:role_edit": Expect(events=("person.view",)),
    "registry:role_end": Expect("POST", ("role.end",), 302, {}),
    "registry:search": Expect("POST", ("registry.search",), 200, {"q": "Salainen"}),
}

API = {
    "GET /api/v1/organizations": Expect(events=("organization.list",)),
    "POST /api/v1/organizations": Expect(
        "POST", ("organization.create",), 201, {"name": "Kit Oy"}
    ),
    "GET /api/v1/organizations/{organization_id}": Expect(
        events=("organization.view",)
    ),
    "PATCH /api/v1/organizations/{organization_id}": Expect(
        "PATCH", ("organization.update",), 200, {"status": "customer"}
    ),
    "GET /api/v1/organizations/{organization_id}/roles": Expect(
        events=("organization.view",)
    ),
    "GET /api/v1/persons": Expect(events=("person.list",)),
    "POST /api/v1/persons": Expect(
        "POST", ("person.create",), 201, {"first_name": "Kit", "last_name": "Testi"}
    ),
    "GET /api/v1/persons/{person_id}": Expect(events=("person.view",)),
    "PATCH /api/v1/persons/{person_id}": Expect(
        "PATCH", ("person.update",), 200, {"preferred_language": "en"}
    ),
    "POST /api/v1/roles": Expect(
        "POST",
        ("role.create",),
        201,
        {
            "kind": "support_user",
            "person_id": "@person",
            "organization_id": "@organization",
        },
    ),
    "PATCH /api/v1/roles/{role_id}": Expect(
        "PATCH", ("role.update",), 200, {"title": "CTO"}
    ),
    "POST /api/v1/roles/{role_id}/end": Expect("POST", ("role.end",), 200, {}),
    "POST /api/v1/search": Expect("POST", ("registry.search",), 200, {"q": "Salainen"}),
}
