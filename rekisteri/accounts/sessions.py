"""What the session remembers about a staff login, and when it ends.

Times are seconds since the epoch (the session is JSON-serialised).
"""

from __future__ import annotations

import time
from typing import Any

from rekisteri.accounts.conf import setting

SESSION_STARTED = "rk_started"  # full login (both factors) completed
SESSION_SEEN = "rk_seen"  # last request, to SEEN_RESOLUTION
SESSION_REAUTH = "rk_reauth"  # last time the password (+TOTP) was entered
# A password accepted but the second factor still owed: {"uid", "at", "mfa"}.
SESSION_PENDING = "rk_pending"
PENDING_SECONDS = 5 * 60


def session_expiry_reason(session: Any, now: float | None = None) -> str:
    """ "idle", "absolute" or "" for a live session."""
    now = time.time() if now is None else now
    started = session.get(SESSION_STARTED)
    seen = session.get(SESSION_SEEN)
    if (
        started is not None
        and now - started > setting("REKISTERI_SESSION_MAX_HOURS") * 3600
    ):
        return "absolute"
    if seen is not None and now - seen > setting("REKISTERI_SESSION_IDLE_MINUTES") * 60:
        return "idle"
    return ""


def mark_login(session: Any, now: float | None = None) -> None:
    """A full login happened now: start both clocks and the re-auth window."""
    now = time.time() if now is None else now
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    session[SESSION_REAUTH] = now
    session.pop(SESSION_PENDING, None)


def mark_reauth(session: Any, now: float | None = None) -> None:
    session[SESSION_REAUTH] = time.time() if now is None else now


def recently_authenticated(session: Any, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    at = session.get(SESSION_REAUTH)
    return at is not None and now - at <= setting("REKISTERI_REAUTH_MINUTES") * 60


def end_sessions_of(user_id: Any) -> int:
    """Delete every stored session logged in as ``user_id``; returns how many.

    Staff sessions are few (one per login, ended after
    REKISTERI_SESSION_MAX_HOURS), so decoding the live ones is cheap.
    """
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") == str(user_id)
    ]
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)
