"""Django's database sessions, the session's row read by a statement
compiled once per process (``SESSION_ENGINE``).

Every request of a logged-in user reads its session; building that one
query through the ORM cost more than running it (docs/benchmarks.md, the
header search's request). The row is read by its key alone and its expiry
checked here, as Django's store checks it in the query; writing, expiry
and clearing are Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from rekisteri.core import compiled

# No session has this key: Django's keys are 32 lowercase letters and digits.
_NO_SESSION = "!" * 40


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        row = None
        if key is not None:
            model = self.model
            row = compiled.instance(
                ("session", model._meta.label),
                lambda pk: model.objects.filter(pk=pk),
                key,
                model=model,
                stand_in=_NO_SESSION,
            )
        if row is None or row.expire_date <= timezone.now():
            self._session_key = None
            return None
        return row
