"""What the connectors routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

import datetime as dt

from rekisteri.connectors.models import InformTask, RegistryReview
from rekisteri.registry.models import DataSource
from rekisteri.registry.services import provenance_record
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """A registry value waiting for review at the world's organization, and
    the world's person waiting to be told their data came from a vendor."""
    org, person = base.org, base.person
    review = RegistryReview.objects.create(
        organization=org,
        field="name",
        current_value=org.name,
        proposed_value="Salainen Asiakas Oyj",
        provenance=provenance_record(actor=None, source="prh"),
    )
    task = InformTask.objects.create(
        person=person,
        source=DataSource.objects.get(code="fonecta"),
        obtained_on=dt.date.today(),
        due=dt.date.today() + dt.timedelta(days=30),
    )
    return World(ids={"review": str(review.id), "task": str(task.id)})


SITE = {
    # PRH is out of reach in tests (settings_test points at a closed loopback
    # port): the refresh answers with a message and writes nothing.
    "connectors:prh_refresh": Expect("POST", (), 302, {}),
    "connectors:review_list": Expect(events=("registry_review.list",)),
    "connectors:review_decide": Expect(
        "POST", ("registry_review.reject",), 302, {"decision": "reject"}
    ),
    "connectors:inform_list": Expect(events=("connectors.inform_list",)),
    # A token the session does not hold: back to the upload form.
    "connectors:contacts_upload": Expect(),
    "connectors:contacts_import": Expect("POST", (), 302, {"op": "import"}),
    "connectors:inform_act": Expect(
        "POST", ("connectors.inform",), 302, {"op": "record", "channel": "letter"}
    ),
}
