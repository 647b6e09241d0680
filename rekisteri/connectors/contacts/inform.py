"""Art. 14: telling a person that their data came from a third party.

A person imported from a vendor's list gets one task per source, due one
month from the day the data was obtained (Art. 14(3)(a), the period counted
as Regulation 1182/71 counts it, moved to the next working day) — or at the
first message to them, whichever is first (Art. 14(3)(b)): the message form
shows the notice to the writer (``first_contact.py``), and an outgoing
message stored before the person was told makes the task due that day and
overdue (:func:`first_message`). The text is the controller's, in the person's language,
built from the controller profile and the catalogue's vocabulary: who
processes, which data, why and on what basis, from which source, how long,
and the person's rights. Sending by email goes through Django's email
framework; a letter or a phone call is recorded by staff with the channel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import DateField, F, Q, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.audit.services import audit_record
from rekisteri.connectors.models import InformTask
from rekisteri.core import keyring
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.core.formats import ascii_email
from rekisteri.core.periods import response_deadline
from rekisteri.messaging.choices import ParticipantRole
from rekisteri.privacy.selectors import controller_profile
from rekisteri.privacy.vocabulary import (
    BASIS_LABELS,
    CATEGORY_LABELS,
    PURPOSE_LABELS,
    RETENTION_LABELS,
    label,
)
from rekisteri.registry.inserts import insert_values

CHANNELS = ("email", "letter", "phone")
# The message history's channels a notice may go with (messaging.choices).
MESSAGE_CHANNELS = ("email", "phone", "chat", "ticket", "meeting")
# What a contact list brings, and why it is kept (the catalogue's terms).
CATEGORIES = (
    "user.name",
    "user.contact.email",
    "user.contact.phone_number",
    "user.workplace",
    "user.contact.address",
)
PURPOSES = ("customer_relationship", "sales", "marketing")
BASIS = "legitimate_interest"
RETENTION = "marketing"


@lru_cache(maxsize=64)
def due_date(obtained_on: dt.date) -> dt.date:
    return response_deadline(obtained_on)


def task_for(
    *, person: Any, source: Any, import_batch: Any, obtained_on: dt.date
) -> InformTask | None:
    """The person's task for ``source``, made once (None when it exists);
    called inside the import's write, which has authorized the person."""
    if InformTask.objects.filter(person=person, source=source).exists():
        return None
    try:
        with transaction.atomic():
            return InformTask.objects.create(
                person=person,
                source=source,
                import_batch=import_batch,
                obtained_on=obtained_on,
                due=due_date(obtained_on),
            )
    except IntegrityError:  # a parallel import made it first
        return None


def tasks_for_many(
    *,
    person_ids: list[Any],
    source: Any,
    import_batch: Any,
    obtained_on: dt.date,
    new: bool = False,
) -> int:
    """:func:`task_for` of many persons: one query for the tasks that exist,
    one insert for the rest; inside the import's write. Returns how many
    were made. ``new``: the persons were created in this transaction, so
    none has a task yet and the query is left out."""
    have: set[Any] = (
        set()
        if new
        else set(
            InformTask.objects.filter(
                person_id__in=person_ids, source=source
            ).values_list("person_id", flat=True)
        )
    )
    due = due_date(obtained_on)
    pk = InformTask._meta.pk
    batch_id = import_batch.pk if import_batch is not None else None
    made = [
        {
            "id": pk.get_default(),
            "person_id": pid,
            "source_id": source.pk,
            "import_batch_id": batch_id,
            "obtained_on": obtained_on,
            "due": due,
        }
        for pid in dict.fromkeys(person_ids)
        if pid not in have
    ]
    insert_values(InformTask, made)
    return len(made)


TEXTS = {
    "fi": {
        "subject": "Tietoja henkilötietojesi käsittelystä",
        "intro": (
            "Hei {name},\n\n{controller} käsittelee henkilötietojasi. Saimme "
            "tietosi {obtained} lähteestä {source}, joten kerromme "
            "tietosuoja-asetuksen 14 artiklan mukaisesti, mitä tietoja "
            "käsittelemme ja miksi."
        ),
        "data": "Käsiteltävät tiedot",
        "why": "Käsittelyn tarkoitukset",
        "basis": "Oikeusperuste",
        "keep": "Säilytysaika",
        "rights": (
            "Sinulla on oikeus saada pääsy tietoihisi, oikaista ne, pyytää "
            "niiden poistamista tai käsittelyn rajoittamista ja vastustaa "
            "käsittelyä, myös suoramarkkinointia, milloin tahansa. Voit "
            "tehdä valituksen tietosuojavaltuutetulle (tietosuoja.fi)."
        ),
        "contact": "Yhteystiedot: {email}{phone}",
    },
    "sv": {
        "subject": "Information om behandlingen av dina personuppgifter",
        "intro": (
            "Hej {name},\n\n{controller} behandlar dina personuppgifter. Vi "
            "fick dina uppgifter {obtained} från {source}, och berättar därför "
            "enligt artikel 14 i dataskyddsförordningen vilka uppgifter vi "
            "behandlar och varför."
        ),
        "data": "Uppgifter som behandlas",
        "why": "Ändamål",
        "basis": "Rättslig grund",
        "keep": "Lagringstid",
        "rights": (
            "Du har rätt att få tillgång till dina uppgifter, få dem rättade, "
            "begära radering eller begränsning och när som helst invända mot "
            "behandlingen, även mot direktmarknadsföring. Du kan lämna in "
            "klagomål till dataombudsmannen (tietosuoja.fi)."
        ),
        "contact": "Kontakt: {email}{phone}",
    },
    "en": {
        "subject": "How we process your personal data",
        "intro": (
            "Hello {name},\n\n{controller} processes your personal data. We "
            "obtained it on {obtained} from {source}, so under Article 14 of "
            "the GDPR we tell you which data we process and why."
        ),
        "data": "Data we process",
        "why": "Purposes",
        "basis": "Legal basis",
        "keep": "How long we keep it",
        "rights": (
            "You have the right to access your data, to have it rectified, "
            "to ask for its erasure or restriction and to object to its "
            "processing, including direct marketing, at any time. You may "
            "lodge a complaint with the Data Protection Ombudsman "
            "(tietosuoja.fi)."
        ),
        "contact": "Contact: {email}{phone}",
    },
}


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str
    language: str


def _date(day: dt.date, language: str) -> str:
    return f"{day.day}.{day.month}.{day.year}" if language != "en" else day.isoformat()


def render(task: InformTask) -> Notice:
    """The notice for ``task`` in the person's language."""
    person = task.person
    with keyring.ensure_scope():
        language = str(person.preferred_language or "fi")
        name = f"{person.first_name} {person.last_name}".strip()
    if language not in TEXTS:
        language = "fi"
    t = TEXTS[language]
    profile = controller_profile()
    controller = profile.controller_name if profile else ""
    email = profile.email if profile else ""
    phone = f", {profile.phone}" if profile and profile.phone else ""
    lines = [
        t["intro"].format(
            name=name,
            controller=controller,
            obtained=_date(task.obtained_on, language),
            source=task.source.name,
        ),
        "",
        f"{t['data']}: "
        + ", ".join(label(CATEGORY_LABELS, c, language) for c in CATEGORIES)
        + ".",
        f"{t['why']}: "
        + ", ".join(label(PURPOSE_LABELS, p, language) for p in PURPOSES)
        + ".",
        f"{t['basis']}: {label(BASIS_LABELS, BASIS, language)}.",
        f"{t['keep']}: {label(RETENTION_LABELS, RETENTION, language)}.",
        "",
        t["rights"],
        "",
        t["contact"].format(email=email, phone=phone),
        controller,
    ]
    return Notice(subject=t["subject"], body="\n".join(lines), language=language)


def _open(task: InformTask) -> InformTask:
    task = InformTask.objects.select_for_update().get(pk=task.pk)
    if task.informed_at is not None:
        raise Conflict(_("The person has already been informed."), code="informed")
    return task


def _authorize(actor: Any, task: InformTask, operation: str) -> None:
    authorize_write(
        actor=actor,
        person_id=task.person_id,
        families={"privacy"},
        operation=operation,
    )


def _record(actor: Any, task: InformTask, channel: str, message: Any = None) -> None:
    details = {"channel": channel, "source": task.source.code}
    if message is not None:
        details["message"] = str(message.pk)
    audit_record(
        actor=actor,
        action="connectors.inform",
        target_type="person",
        target_id=task.person_id,
        subject_id=task.person_id,
        categories=["user.privacy_preferences"],
        purpose="customer_relationship",
        details=details,
    )


@write_service(subject=PERSON)
def inform_send(*, actor: Any, task: InformTask) -> InformTask:
    """Email the notice to the person's primary address and record it."""
    _authorize(actor, task, "connectors.inform")
    with keyring.ensure_scope():
        address = next((e.email for e in task.person.emails.all()), "")
    if not address:
        raise ValidationFailed.single(
            "channel",
            "no_email",
            _("The person has no email address: send a letter and record it."),
        )
    with transaction.atomic():
        task = _open(task)
        notice = render(task)
        EmailMessage(
            subject=notice.subject,
            body=notice.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[ascii_email(address)],
        ).send(fail_silently=False)
        task.informed_at = timezone.now()
        task.channel = "email"
        task.done_by = actor if getattr(actor, "pk", None) else None
        task.save(update_fields=["informed_at", "channel", "done_by"])
        _record(actor, task, "email")
    return task


@write_service(subject=PERSON)
def inform_record(
    *, actor: Any, task: InformTask, channel: str, informed_on: dt.date | None = None
) -> InformTask:
    """Record that staff informed the person another way (a letter, a call)."""
    if channel not in CHANNELS:
        raise ValidationFailed.single(
            "channel", "invalid_choice", _("Unknown channel.")
        )
    day = informed_on or timezone.localdate()
    if day > timezone.localdate() or day < task.obtained_on:
        raise ValidationFailed.single(
            "informed_on",
            "out_of_range",
            _("The day must be between obtaining the data and today."),
        )
    _authorize(actor, task, "connectors.inform")
    with transaction.atomic():
        task = _open(task)
        task.informed_at = dt.datetime.combine(
            day, dt.time(12), tzinfo=timezone.get_current_timezone()
        )
        task.channel = channel
        task.done_by = actor if getattr(actor, "pk", None) else None
        task.save(update_fields=["informed_at", "channel", "done_by"])
        _record(actor, task, channel)
    return task


@write_service(subject=PERSON)
def inform_with_message(*, actor: Any, task: InformTask, message: Any) -> InformTask:
    """Record that the notice went with ``message`` to the person (its text
    added to the message): informed at the message's time, on its channel."""
    day = timezone.localdate(message.occurred_at)
    if day < task.obtained_on or not _is_recipient(message, task.person_id):
        raise ValidationFailed.single(
            "message",
            "not_to_person",
            _("The message did not go to this person after their data was obtained."),
        )
    _authorize(actor, task, "connectors.inform")
    channel = message.channel if message.channel in MESSAGE_CHANNELS else "email"
    with transaction.atomic():
        task = _open(task)
        task.informed_at = message.occurred_at
        task.channel = channel
        task.done_by = actor if getattr(actor, "pk", None) else None
        task.save(update_fields=["informed_at", "channel", "done_by"])
        _record(actor, task, channel, message=message)
    return task


def _is_recipient(message: Any, person_id: Any) -> bool:
    return message.person_id == person_id or (
        message.participants.filter(person_id=person_id)
        .exclude(role=ParticipantRole.FROM)
        .exists()
    )


def first_message(message: Any, person_ids: list[Any]) -> int:
    """Art. 14(3)(b): an outgoing message went to ``person_ids``. Their open
    tasks for data obtained on or before the message's day become due on
    that day, and the message's time is kept as the first (the earliest
    one, whatever order messages are logged or imported in); such a task is
    overdue (:func:`overdue_q`). Called by the message history for every
    outgoing message it stores (``messaging.extensions``), inside its write.
    Returns how many tasks changed."""
    at = message.occurred_at
    day = timezone.localdate(at)
    return (
        InformTask.objects.filter(
            person_id__in=person_ids, informed_at__isnull=True, obtained_on__lte=day
        )
        .filter(Q(first_message_at__isnull=True) | Q(first_message_at__gt=at))
        .update(
            first_message_at=at,
            due=Least(F("due"), Value(day, output_field=DateField())),
        )
    )


def open_tasks():
    return InformTask.objects.filter(informed_at__isnull=True).select_related("source")


def overdue_q(today: dt.date | None = None) -> Q:
    """Open tasks past their deadline: the month has run out, or a message
    went to the person before they were told (the deadline was that
    message, Art. 14(3)(b))."""
    return Q(due__lt=today or timezone.localdate()) | Q(first_message_at__isnull=False)


def is_overdue(task: InformTask, today: dt.date | None = None) -> bool:
    return task.informed_at is None and (
        task.due < (today or timezone.localdate()) or task.first_message_at is not None
    )


def overdue_count(today: dt.date | None = None) -> int:
    return open_tasks().filter(overdue_q(today)).count()
