"""Demo accounts: cleared to read the demo register.

A demo login should show the register at once, so each demo account gets a
privacy training recorded today and signs the current confidentiality
undertaking (both audited, actor: the installer). Roles that must use a
second factor set up their authenticator at the first login.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from rekisteri.accounts.clearance import clearance_of, forget_clearance
from rekisteri.accounts.models import StaffUser
from rekisteri.accounts.services import attestation_sign, training_record


def clear_demo_accounts(users: Iterable[StaffUser]) -> int:
    """Give each account a current training and attestation; returns how
    many needed something."""
    changed = 0
    for user in users:
        forget_clearance(user)
        state = clearance_of(user)
        if state.ok:
            continue
        if not state.training_current:
            training_record(
                actor=None,
                user=user,
                completed_on=timezone.localdate(),
                course="Demo",
            )
        if not state.attestation_current:
            attestation_sign(actor=user)
        changed += 1
    return changed
