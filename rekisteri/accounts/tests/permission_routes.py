"""What the accounts routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

import datetime as dt

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import LoginThrottle, RoleGrant
from rekisteri.accounts.services import api_token_create
from rekisteri.testing.permissions import TODAY, Base, Expect, World


def world(base: Base) -> World:
    """The owner's API token, a locked address and the colleague's pending
    role grant, for the staff administration routes."""
    token, _plain = api_token_create(actor=base.owner, name="kit")
    throttle = LoginThrottle.objects.create(
        key="address:192.0.2.1",
        client="192.0.2.1",
        failures=20,
        locked_until=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    grant = RoleGrant.objects.create(
        user=base.colleague, role=StaffRole.AUDITOR, requested_by=base.owner
    )
    return World(
        ids={
            "token": str(token.id),
            "grant": str(grant.id),
            # A colleague's account id, for forms that name one ("@kit_staff").
            "kit_staff": str(base.colleague.pk),
        },
        int_ids={"user": str(base.colleague.pk), "throttle": str(throttle.pk)},
    )


SITE = {
    "accounts:login": Expect(),
    "accounts:logout": Expect("POST", (), 302, {}),
    "accounts:tokens": Expect(),
    "accounts:token_revoke": Expect(
        "POST", ("api_token.revoke",), 302, {}, user="owner"
    ),
    # Both steps of the two-step login send a visitor without a pending
    # login back to the first step.
    "accounts:mfa_verify": Expect(status=302),
    "accounts:mfa_enrol": Expect(status=302),
    "accounts:reauth": Expect(),
    "accounts:account": Expect(),
    "accounts:password_change": Expect(),
    "accounts:attestation": Expect(),
    # Without an authenticator there are no codes: off to enrolment.
    "accounts:recovery_codes": Expect("POST", (), 302, {}),
    "accounts:staff_list": Expect(),
    "accounts:staff_create": Expect(),
    "accounts:staff_detail": Expect(),
    "accounts:staff_role": Expect(),
    "accounts:staff_password": Expect(),
    "accounts:staff_active": Expect("POST", ("staff_user.disable",), 302, {}),
    "accounts:staff_unlock": Expect("POST", ("auth.unlock",), 302, {}),
    "accounts:staff_mfa_reset": Expect(),
    "accounts:staff_training": Expect(
        "POST",
        ("staff_training.record",),
        302,
        {"completed_on": TODAY, "course": "kit"},
    ),
    "accounts:address_unlock": Expect("POST", ("auth.unlock",), 302, {}),
    "accounts:access_review": Expect(),
    "accounts:role_grant_decide": Expect(
        "POST", ("role_grant.reject",), 302, {"decision": "reject"}
    ),
    "accounts:access_review_decide": Expect(
        "POST", ("access_review.record",), 302, {"decision": "recertify"}
    ),
}

API = {
    "GET /api/v1/me": Expect(),
}
