"""Art. 14(3)(b): a person whose data came from a third party is told at
the latest at the first communication (docs/connectors.md, Art. 14).

The message form shows the open task and its notice to a writer whose role
may see it, and asks what was done when the message goes to the person;
an outgoing message stored while the task is open — logged by hand,
through the API or imported from sent mail — makes it due that day and
overdue.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from rekisteri.access.services import matrix_set
from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.connectors.contacts import inform
from rekisteri.connectors.models import InformTask
from rekisteri.messaging.importing import import_messages
from rekisteri.messaging.models import Message
from rekisteri.messaging.services import ParticipantIn, message_create
from rekisteri.privacy import services as privacy
from rekisteri.registry.models import DataSource
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

ADDRESS = "tuuli.tuntematon@example.fi"


@pytest.fixture(autouse=True)
def _profile():
    privacy.profile_load_seed(actor=None)


@pytest.fixture
def world():
    """An organization, a contact person from Fonecta's list (told nothing
    yet) and a colleague of theirs whose data came from the person."""
    org = make_org(name="Vastaanottaja Oy")
    person = make_person(first_name="Tuuli", last_name="Tuntematon", emails=[ADDRESS])
    role_create(actor=None, person=person, organization=org, kind="contact")
    colleague = make_person(
        first_name="Kalle", last_name="Kollega", emails=[], phones=["040 123 4567"]
    )
    role_create(actor=None, person=colleague, organization=org, kind="contact")
    obtained = timezone.localdate() - dt.timedelta(days=5)
    task = InformTask.objects.create(
        person=person,
        source=DataSource.objects.get(code="fonecta"),
        obtained_on=obtained,
        due=inform.due_date(obtained),
    )
    return org, person, colleague, task


def _log(org, person, *, direction="out", at=None, actor=None):
    return message_create(
        actor=actor,
        organization=org,
        channel="email",
        direction=direction,
        occurred_at=at or timezone.now(),
        subject="Tarjous",
        participants=[ParticipantIn(person=person)],
    )


# --------------------------------------------------------------------------
# The deadline moves to the first outgoing message
# --------------------------------------------------------------------------


def test_an_outgoing_message_makes_the_task_due_and_overdue(world):
    org, person, colleague, task = world
    assert inform.overdue_count() == 0
    message = _log(org, person)
    task.refresh_from_db()
    assert task.first_message_at == message.occurred_at
    assert task.due == timezone.localdate()
    assert inform.is_overdue(task)
    assert inform.overdue_count() == 1
    # A later message keeps the first; an earlier one logged afterwards wins.
    _log(org, person, at=timezone.now() - dt.timedelta(minutes=1))
    earlier = _log(org, person, at=timezone.now() - dt.timedelta(days=2))
    task.refresh_from_db()
    assert task.first_message_at == earlier.occurred_at
    assert task.due == timezone.localdate(earlier.occurred_at)


def test_incoming_internal_and_older_messages_leave_the_task_alone(world):
    org, person, colleague, task = world
    due = task.due
    _log(org, person, direction="in")
    _log(org, person, direction="internal")
    # Before the vendor's list, the address was not theirs to use.
    _log(org, person, at=timezone.now() - dt.timedelta(days=30))
    # A message to a colleague is not a message to them.
    _log(org, colleague)
    task.refresh_from_db()
    assert task.first_message_at is None and task.due == due
    assert inform.overdue_count() == 0


def test_a_task_already_done_is_not_touched(world):
    org, person, colleague, task = world
    inform.inform_record(actor=None, task=task, channel="letter")
    _log(org, person)
    task.refresh_from_db()
    assert task.first_message_at is None and inform.overdue_count() == 0


def _eml(sender: str, to: str, day: dt.datetime, n: int) -> bytes:
    return (
        f"From: Myynti <{sender}>\r\nTo: <{to}>\r\nSubject: Tarjous {n}\r\n"
        f"Date: {day.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <tarjous{n}@toimittaja.fi>\r\n\r\nHei!\r\n"
    ).encode()


def test_imported_sent_mail_makes_the_task_overdue(world, settings):
    settings.REKISTERI_MESSAGING_OWN_DOMAINS = ["toimittaja.fi"]
    org, person, colleague, task = world
    staff = make_staff()
    sent = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    import_messages(
        actor=staff,
        stream=io.BytesIO(_eml("myynti@toimittaja.fi", ADDRESS, sent, 1)),
        organization=org,
    )
    task.refresh_from_db()
    assert task.first_message_at == sent
    assert task.due == timezone.localdate(sent)
    assert inform.overdue_count() == 1
    # Mail from the person is incoming: it changes nothing.
    other = InformTask.objects.create(
        person=colleague,
        source=task.source,
        obtained_on=task.obtained_on,
        due=task.obtained_on + dt.timedelta(days=31),
    )
    import_messages(
        actor=staff,
        stream=io.BytesIO(_eml(ADDRESS, "myynti@toimittaja.fi", sent, 2)),
        organization=org,
    )
    other.refresh_from_db()
    assert other.first_message_at is None


def test_the_dashboard_and_the_list_show_it_overdue(world, client):
    org, person, colleague, task = world
    _log(org, person)
    client_as(StaffRole.PRIVACY_OFFICER, client=client)
    page = client.get("/connectors/inform/").content.decode()
    assert "badge--danger" in page
    dashboard = client.get("/privacy-office/")
    panel = next(p for p in dashboard.context["panels"] if p.namespace == "connectors")
    assert [c[1] for c in panel.counts] == [1, 1]


# --------------------------------------------------------------------------
# The message form
# --------------------------------------------------------------------------


def _form(org, person, **extra):
    data = {
        "owner": str(org.pk),
        "channel": "email",
        "direction": "out",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "subject": "Tarjous",
        "body": "Hei, tässä tarjous.",
        "people": [str(person.pk)],
    }
    data.update(extra)
    return data


def test_the_form_shows_the_notice_to_those_who_may_see_the_task(world, client):
    org, person, colleague, task = world
    url = f"/messages/new/?organization={org.pk}"
    client_as(StaffRole.SALES, client=client)
    html = client.get(url).content.decode()
    assert f'name="duty_{task.pk}"' in html
    assert "Tietoja henkilötietojesi käsittelystä" in html  # in their language
    assert "Fonecta" in html
    event = AuditEvent.objects.filter(action="connectors.inform_prompt").get()
    assert event.subject_id == person.pk
    assert ADDRESS not in str(event.details)
    # A role the matrix does not show the privacy family sees no task.
    matrix_set(
        actor=make_staff(StaffRole.ADMINISTRATOR),
        changes=[("customer_service", "privacy", "view", False)],
    )
    client_as(StaffRole.CUSTOMER_SERVICE, client=client)
    html = client.get(url).content.decode()
    assert f"duty_{task.pk}" not in html and "Fonecta" not in html


def test_a_role_that_may_not_change_the_task_can_only_say_not_told(world, client):
    org, person, colleague, task = world
    matrix_set(
        actor=make_staff(StaffRole.ADMINISTRATOR),
        changes=[("sales", "privacy", "change", False)],
    )
    client_as(StaffRole.SALES, client=client)
    html = client.get(f"/messages/new/?organization={org.pk}").content.decode()
    assert 'value="not_told"' in html and 'value="message"' not in html
    assert html.count(f'name="duty_{task.pk}"') == 1


def test_an_outgoing_message_to_them_needs_an_answer(world, client):
    org, person, colleague, task = world
    client_as(StaffRole.SALES, client=client)
    url = f"/messages/new/?organization={org.pk}"
    response = client.post(url, _form(org, person))
    assert response.status_code == 200
    assert response.context["form"].errors[f"duty_{task.pk}"]
    assert not Message.objects.exists()
    # Incoming: nothing is asked, nothing changes.
    response = client.post(url, _form(org, person, direction="in"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.first_message_at is None
    # A choice for someone the message is not with is refused.
    response = client.post(
        url, _form(org, colleague, **{f"duty_{task.pk}": "not_told"})
    )
    assert response.context["form"].errors[f"duty_{task.pk}"]


def test_told_in_the_message_adds_the_notice_and_records_it(world, client):
    org, person, colleague, task = world
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        f"/messages/new/?organization={org.pk}",
        _form(org, person, channel="phone", **{f"duty_{task.pk}": "message"}),
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert "Hei, tässä tarjous." in message.body
    assert "Tietoja henkilötietojesi käsittelystä" in message.body
    task.refresh_from_db()
    assert task.informed_at == message.occurred_at
    assert task.channel == "phone"
    assert task.first_message_at == message.occurred_at  # told at the first
    assert inform.overdue_count() == 0
    event = AuditEvent.objects.filter(action="connectors.inform").get()
    assert event.details["message"] == str(message.pk)


def test_sent_by_email_with_the_message(world, client):
    org, person, colleague, task = world
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        f"/messages/new/?organization={org.pk}",
        _form(org, person, **{f"duty_{task.pk}": "email"}),
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == [ADDRESS]
    task.refresh_from_db()
    assert task.channel == "email" and not inform.is_overdue(task)
    assert "Tietoja" not in Message.objects.get().body


def test_not_told_logs_the_message_and_the_task_is_overdue(world, client):
    org, person, colleague, task = world
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        f"/messages/new/?organization={org.pk}",
        _form(org, person, **{f"duty_{task.pk}": "not_told"}),
        follow=True,
    )
    assert Message.objects.count() == 1
    task.refresh_from_db()
    assert task.informed_at is None and inform.is_overdue(task)
    assert any("Tuuli Tuntematon" in str(m) for m in response.context["messages"])


def test_a_notice_that_cannot_go_undoes_the_message(world, client):
    org, person, colleague, task = world
    no_email = InformTask.objects.create(
        person=colleague,
        source=task.source,
        obtained_on=task.obtained_on,
        due=task.due,
    )
    client_as(StaffRole.SALES, client=client)
    data = _form(org, person, **{f"duty_{task.pk}": "message"})
    data["people"] = [str(person.pk), str(colleague.pk)]
    data[f"duty_{no_email.pk}"] = "email"
    response = client.post(f"/messages/new/?organization={org.pk}", data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"duty_{no_email.pk}"]
    assert not Message.objects.exists()
    task.refresh_from_db()
    no_email.refresh_from_db()
    assert task.informed_at is None and task.first_message_at is None
    assert no_email.first_message_at is None and not mail.outbox


def test_from_the_person_page_the_message_keyed_to_them_counts(world, client):
    org, person, colleague, task = world
    client_as(StaffRole.SALES, client=client)
    data = _form(org, person, owner="person", people=[])
    response = client.post(f"/messages/new/?person={person.pk}", data)
    assert response.context["form"].errors[f"duty_{task.pk}"]
    data[f"duty_{task.pk}"] = "not_told"
    response = client.post(f"/messages/new/?person={person.pk}", data)
    assert response.status_code == 302
    assert Message.objects.get().person_id == person.pk
    task.refresh_from_db()
    assert inform.is_overdue(task)


def test_the_person_page_shows_the_open_task_before_anyone_writes(world, client):
    org, person, colleague, task = world
    url = f"/persons/{person.pk}/"
    client_as(StaffRole.SALES, client=client)
    html = client.get(url).content.decode()
    assert 'data-section="inform"' in html
    assert "Tietoja henkilötietojesi käsittelystä" in html
    assert f"/messages/new/?person={person.pk}" in html
    event = AuditEvent.objects.filter(action="connectors.inform_prompt").get()
    assert event.details == {"source": "fonecta", "page": "person"}
    # Not for a role the matrix does not show the privacy family.
    matrix_set(
        actor=make_staff(StaffRole.ADMINISTRATOR),
        changes=[("customer_service", "privacy", "view", False)],
    )
    client_as(StaffRole.CUSTOMER_SERVICE, client=client)
    assert 'data-section="inform"' not in client.get(url).content.decode()
    # Nor once they are told.
    inform.inform_record(actor=None, task=task, channel="letter")
    client_as(StaffRole.SALES, client=client)
    assert 'data-section="inform"' not in client.get(url).content.decode()
