"""The breach's 72-hour clock to the supervisory authority (GDPR Art. 33).

A pure function of the breach, read by the register, the dashboard and the
API; kept apart from the breach services so that readers need not import them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rekisteri.privacy.choices import ClockState
from rekisteri.privacy.models import Breach

DUE_SOON = dt.timedelta(hours=24)


def clock_state(breach: Breach, now: dt.datetime | None = None) -> str:
    """Where the breach stands against the 72-hour deadline."""
    now = now or timezone.now()
    deadline = breach.authority_deadline
    if breach.authority_notified_at:
        if breach.authority_notified_at > deadline:
            return ClockState.NOTIFIED_LATE
        return ClockState.NOTIFIED
    if breach.authority_not_required_reason:
        return ClockState.NOT_REQUIRED
    if now > deadline:
        return ClockState.OVERDUE
    if deadline - now <= DUE_SOON:
        return ClockState.DUE_SOON
    return ClockState.RUNNING
