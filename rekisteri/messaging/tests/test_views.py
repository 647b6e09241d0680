"""Staff UI of the message history: timelines with keyset "load more",
the audited detail page, the manual form, the upload page and permissions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.messaging import services
from rekisteri.messaging.choices import Channel, Direction
from rekisteri.messaging.models import Message
from rekisteri.messaging.services import AttachmentIn, ParticipantIn
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _client(role: str = StaffRole.SALES) -> tuple[Client, object]:
    staff = make_staff(role)
    client = client_as(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages asserted in English
    return client, staff


def _log(actor, n: int = 0, **kwargs):
    defaults = dict(
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        occurred_at=T0 + dt.timedelta(minutes=n),
        subject=f"Aihe {n}",
        body=f"Runko {n}",
    )
    return services.message_create(actor=actor, **{**defaults, **kwargs})


def test_organization_page_includes_the_lazy_timeline_for_message_readers():
    client, staff = _client()
    org = make_org()
    page = client.get(reverse("registry:organization_detail", args=[org.id]))
    timeline_url = reverse("messaging:organization_timeline", args=[org.id])
    assert timeline_url in page.content.decode()
    billing, _ = _client(StaffRole.BILLING)  # registry yes, messages no
    page = billing.get(reverse("registry:organization_detail", args=[org.id]))
    assert page.status_code == 200 and timeline_url not in page.content.decode()
    assert billing.get(timeline_url).status_code == 403


def test_timeline_pages_newest_first_with_load_more_by_cursor(settings):
    settings.REKISTERI_MESSAGING_PAGE_SIZE = 3
    client, staff = _client()
    org = make_org()
    made = [_log(staff, n, organization=org) for n in range(7)]
    url = reverse("messaging:organization_timeline", args=[org.id])
    first = client.get(url, headers={"HX-Request": "true"})
    html = first.content.decode()
    assert [s in html for s in ("Aihe 6", "Aihe 5", "Aihe 4")] == [True] * 3
    assert "Aihe 3" not in html and "<html" not in html
    assert f"after={made[4].id}" in html
    second = client.get(url, {"after": str(made[4].id)}, headers={"HX-Request": "true"})
    html = second.content.decode()
    assert "Aihe 3" in html and "Aihe 1" in html and "Aihe 4" not in html
    last = client.get(url, {"after": str(made[1].id)}, headers={"HX-Request": "true"})
    assert (
        "Aihe 0" in last.content.decode() and "Load more" not in last.content.decode()
    )
    events = AuditEvent.objects.filter(action="message.list")
    assert events.count() == 3
    assert events.first().target_id == str(org.id)
    # A full page without HTMX, and an unknown cursor is a 404.
    assert "<html" in client.get(url).content.decode()
    assert client.get(url, {"after": "not-an-id"}).status_code == 404


def test_person_timeline_shows_messages_they_took_part_in():
    client, staff = _client()
    org = make_org()
    person = make_person()
    _log(staff, 1, organization=org, participants=[ParticipantIn(person=person)])
    _log(staff, 2, organization=org, subject="Ei koske")
    _log(staff, 3, person=person, subject="Oma")
    html = client.get(reverse("messaging:person_timeline", args=[person.id])).content
    html = html.decode()
    assert "Aihe 1" in html and "Oma" in html and "Ei koske" not in html
    event = AuditEvent.objects.get(action="message.list")
    assert event.subject_id == person.pk


def test_detail_page_is_audited_and_names_the_categories_shown():
    client, staff = _client()
    org = make_org()
    msg = _log(
        staff,
        organization=org,
        body="Luottamuksellinen sisältö",
        participants=[ParticipantIn(address="x@example.fi", display_name="Xavier")],
        attachments=[AttachmentIn("liite.pdf", b"%PDF-1.4", "application/pdf")],
    )
    page = client.get(reverse("messaging:message_detail", args=[msg.id]))
    html = page.content.decode()
    assert "Luottamuksellinen sisältö" in html
    assert "Xavier &lt;x@example.fi&gt;" in html
    # Categories by the names people know, never the catalogue's codes.
    assert "Message content" in html and "liite.pdf" in html
    assert "user.content.private" not in html
    event = AuditEvent.objects.get(action="message.view")
    assert event.target_id == str(msg.id) and "body" in event.fields
    assert "Luottamuksellinen" not in str(event.details)


def test_attachment_downloads_as_opaque_bytes_and_is_audited():
    client, staff = _client()
    msg = _log(
        staff,
        organization=make_org(),
        attachments=[AttachmentIn("sivu.html", b"<script>x</script>", "text/html")],
    )
    att = msg.attachments.get()
    response = client.get(reverse("messaging:attachment_download", args=[att.id]))
    assert response.status_code == 200
    assert response.content == b"<script>x</script>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sivu.html"'
    )
    assert AuditEvent.objects.filter(action="message.attachment_view").count() == 1


def test_manual_form_logs_a_call_with_participants_and_a_file():
    client, staff = _client()
    org = make_org()
    person = make_person(first_name="Pirjo", last_name="Puhelin")
    role_create(actor=staff, person=person, organization=org, kind="contact")
    url = reverse("messaging:message_create") + f"?organization={org.id}"
    form_page = client.get(url)
    assert "Pirjo Puhelin" in form_page.content.decode()
    response = client.post(
        url,
        {
            "owner": str(org.id),
            "channel": Channel.PHONE,
            "direction": Direction.INBOUND,
            "occurred_at": "2026-01-05T10:30",
            "subject": "Soitto",
            "body": "Kysyi päivityksestä",
            "people": [str(person.id)],
            "others": "040 111 2222\nMatti Muu",
            "attachments": [SimpleUploadedFile("muistio.txt", b"muistiinpano")],
        },
    )
    msg = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:message_detail", args=[msg.id])
    assert msg.organization_id == org.id and msg.body == "Kysyi päivityksestä"
    parts = list(msg.participants.select_related("message", "person"))
    assert parts[0].person_id == person.id and parts[0].role == "from"
    assert [p.address for p in parts[1:]] == ["040 111 2222", None]
    assert parts[2].display_name == "Matti Muu"
    assert msg.attachments.get().size == len(b"muistiinpano")


def test_manual_form_shows_service_errors_next_to_fields_and_saves_nothing():
    client, _staff = _client()
    org = make_org()
    url = reverse("messaging:message_create") + f"?organization={org.id}"
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        {
            "owner": str(org.id),
            "channel": Channel.MEETING,
            "direction": Direction.INTERNAL,
            "occurred_at": future,
            "subject": "",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a subject." in html or "Kirjoita aihe" in html
    assert not Message.objects.exists()


def test_manual_form_from_a_person_page_can_key_the_message_to_the_person():
    client, _staff = _client()
    person = make_person()
    url = reverse("messaging:message_create") + f"?person={person.id}"
    response = client.post(
        url,
        {
            "owner": "person",
            "channel": Channel.CHAT,
            "direction": Direction.OUTBOUND,
            "occurred_at": "2026-01-05T10:30",
            "subject": "Chat",
            "people": [str(person.id)],
        },
    )
    assert response.status_code == 302
    assert Message.objects.get().person_id == person.id


def test_upload_page_imports_and_reports_by_position():
    client, _staff = _client()
    org = make_org()
    good = (DATA / "mimekit_issue1189_utf8_multipart.mbox").read_bytes()
    data = good + b"\nFrom broken@x Mon Jan  1 00:00:00 2026\nnot a header line\n"
    url = reverse("messaging:import_upload", args=[org.id])
    response = client.post(url, {"file": SimpleUploadedFile("box.mbox", data)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-report"' in html
    count = Message.objects.filter(organization=org).count()
    assert count >= 2
    assert str(len(good) + 1) in html  # the broken message's byte offset
    again = client.post(url, {"file": SimpleUploadedFile("box.mbox", data)})
    assert Message.objects.count() == count
    assert AuditEvent.objects.filter(action="message.import").count() == 2
    assert again.status_code == 200


def test_upload_over_the_limit_is_refused_clearly(settings):
    settings.REKISTERI_MESSAGING_MAX_UPLOAD_BYTES = 100
    client, _staff = _client()
    org = make_org()
    url = reverse("messaging:import_upload", args=[org.id])
    response = client.post(url, {"file": SimpleUploadedFile("a.eml", b"x" * 101)})
    assert "messages import" in response.content.decode()
    assert not AuditEvent.objects.filter(action="message.import").exists()


def test_delete_asks_first_and_needs_the_change_permission():
    client, staff = _client()
    org = make_org()
    msg = _log(staff, organization=org)
    url = reverse("messaging:message_delete", args=[msg.id])
    confirm = client.get(url)
    assert (
        confirm.status_code == 200 and "Delete the message?" in confirm.content.decode()
    )
    assert Message.objects.filter(pk=msg.pk).exists()
    officer, _ = _client(StaffRole.PRIVACY_OFFICER)  # may view, not change
    assert officer.post(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 302 and not Message.objects.exists()


def test_unknown_message_is_404_and_anonymous_is_sent_to_login():
    client, _ = _client()
    import uuid

    assert (
        client.get(reverse("messaging:message_detail", args=[uuid.uuid4()])).status_code
        == 404
    )
    anon = Client().get(reverse("messaging:message_detail", args=[uuid.uuid4()]))
    assert anon.status_code == 302


def test_pages_speak_finnish_by_default_and_english_on_request():
    client, _ = _client()
    org = make_org()
    url = reverse("messaging:organization_timeline", args=[org.id])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    assert "Ei vielä viestejä." in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "No messages yet." in client.get(url).content.decode()


@pytest.mark.parametrize(
    "role", [StaffRole.BILLING, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR]
)
def test_roles_without_the_messaging_permission_get_nothing(role):
    owner = make_staff()
    org = make_org()
    person = make_person()
    msg = _log(
        owner,
        organization=org,
        body="Salainen sisältö",
        attachments=[AttachmentIn("salainen.txt", b"salainen")],
    )
    urls = [
        reverse("messaging:organization_timeline", args=[org.id]),
        reverse("messaging:person_timeline", args=[person.id]),
        reverse("messaging:message_detail", args=[msg.id]),
        reverse("messaging:message_delete", args=[msg.id]),
        reverse("messaging:attachment_download", args=[msg.attachments.get().id]),
        reverse("messaging:import_upload", args=[org.id]),
        reverse("messaging:message_create") + f"?organization={org.id}",
    ]
    client, _ = _client(role)
    for url in urls:
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        assert response.status_code == 403, url
        assert "Salainen" not in response.content.decode()
    assert Message.objects.filter(pk=msg.pk).exists()
    assert (
        not AuditEvent.objects.filter(action__startswith="message.")
        .exclude(action="message.create")
        .exists()
    )


def test_a_reply_logged_from_the_message_page_joins_its_thread():
    client, staff = _client()
    org = make_org()
    first = _log(staff, organization=org)
    detail = client.get(reverse("messaging:message_detail", args=[first.id]))
    assert f"thread={first.thread_id}" in detail.content.decode()
    url = (
        reverse("messaging:message_create")
        + f"?organization={org.id}&thread={first.thread_id}"
    )
    response = client.post(
        url,
        {
            "owner": str(org.id),
            "channel": Channel.EMAIL,
            "direction": Direction.OUTBOUND,
            "occurred_at": "2026-01-05T11:00",
            "subject": "Re: Aihe 0",
        },
    )
    assert response.status_code == 302
    reply = Message.objects.exclude(pk=first.pk).get()
    assert reply.thread_id == first.thread_id
    other = make_org()
    bad = (
        reverse("messaging:message_create")
        + f"?organization={other.id}&thread={first.thread_id}"
    )
    refused = client.post(
        bad,
        {
            "owner": str(other.id),
            "channel": Channel.EMAIL,
            "direction": Direction.OUTBOUND,
            "occurred_at": "2026-01-05T11:00",
            "subject": "Väärä",
        },
    )
    assert refused.status_code == 200
    assert "another customer" in refused.content.decode()


def test_the_form_offers_the_organizations_contracts_and_links_the_chosen_one():
    from rekisteri.contracts.services import contract_create, product_create

    client, _staff = _client()
    org = make_org()
    contract = contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code="TUKI", name="Tukipalvelu"),
        start_date=dt.date(2026, 1, 1),
    )
    url = reverse("messaging:message_create") + f"?organization={org.id}"
    assert contract.number in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "owner": str(org.id),
            "channel": Channel.MEETING,
            "direction": Direction.INTERNAL,
            "occurred_at": "2026-01-05T10:30",
            "subject": "Sopimuspalaveri",
            "contract": str(contract.id),
        },
    )
    assert response.status_code == 302
    msg = Message.objects.get()
    assert msg.contract_id == contract.id
    detail = client.get(reverse("messaging:message_detail", args=[msg.id]))
    assert reverse("contracts:contract_detail", args=[contract.id]) in (
        detail.content.decode()
    )
