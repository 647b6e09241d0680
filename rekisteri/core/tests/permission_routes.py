"""What the project's own routes do (urls.py and api.py: the language
switch, the API's root and documents), for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

from rekisteri.testing.permissions import Expect

SITE = {
    "set_language": Expect("POST", (), 302, {"language": "en"}),
    # ninja's empty root: public, and answers the API's JSON 404.
    "api:api-root": Expect(status=404),
    "api:openapi-json": Expect(),
    "api:openapi-view": Expect(),
}
