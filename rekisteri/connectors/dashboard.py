"""The Art. 14 panel on the privacy office's dashboard: persons whose data
came from a third party and who are not yet informed, and how many of them
are past the deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.connectors.contacts import inform
from rekisteri.privacy.panels import Panel


def panel(user: Any, today: dt.date) -> Panel | None:
    if not has_perm(user, Perm.PRIVACY_VIEW):
        return None
    url = reverse("connectors:inform_list")
    return Panel(
        title=_("Persons to inform (Art. 14)"),
        url=url,
        namespace="connectors",
        counts=[
            (_("To inform"), inform.open_tasks().count(), "info", url),
            (_("Overdue"), inform.overdue_count(today), "danger", url),
        ],
    )
