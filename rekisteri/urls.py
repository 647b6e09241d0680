"""Root URL configuration.

Every view declares the permission it requires (``required_perm``); the
permission test kit walks this tree and fails on any route that does not.
"""

from django.urls import include, path
from django.views.i18n import set_language

from rekisteri.accounts.permissions import Perm
from rekisteri.api import api

set_language.required_perm = Perm.PUBLIC

urlpatterns = [
    path("", include("rekisteri.registry.urls")),
    path("accounts/", include("rekisteri.accounts.urls")),
    path("contracts/", include("rekisteri.contracts.urls")),
    path("billing/", include("rekisteri.billing.urls")),
    path("messages/", include("rekisteri.messaging.urls")),
    # Public privacy pages (/tietosuoja/, /privacy/, /dataskydd/) and the
    # privacy office's own pages.
    path("", include("rekisteri.privacy.urls")),
    # Rights requests: the public portal under the notice's paths and the
    # privacy office's case pages.
    path("", include("rekisteri.dsr.urls")),
    # Retention: the privacy office's forecast and sweep runs.
    path("", include("rekisteri.retention.urls")),
    # Scheduled jobs: what ran, how it went, what runs next (administrators).
    path("jobs/", include("rekisteri.jobs.urls")),
    path("access/", include("rekisteri.access.urls")),
    path("restrictions/", include("rekisteri.restrictions.urls")),
    path("audit/", include("rekisteri.auditlog.urls")),
    path("connectors/", include("rekisteri.connectors.urls")),
    path("rights/", include("rekisteri.rights.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]
