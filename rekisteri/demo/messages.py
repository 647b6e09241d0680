"""Demo message history: a few messages per demo organization.

Called once from ``manage.py demo_setup`` after the register is seeded.
Deterministic (a fixed random seed) so demo screenshots stay the same.
Writes through services.message_store, so everything is sealed under each
organization's relationship key exactly as real messages are.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from rekisteri.core import keyring
from rekisteri.messaging import services
from rekisteri.messaging.choices import (
    Channel,
    Direction,
    ImportSource,
    ParticipantRole,
)
from rekisteri.messaging.models import Message
from rekisteri.registry.models import Organization, Person, Role

TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    (
        Channel.PHONE,
        Direction.INBOUND,
        "Soitto: kirjautuminen ei onnistu",
        "Asiakas ei päässyt kirjautumaan palveluun. Salasana nollattiin ja "
        "kirjautuminen onnistui puhelun aikana.",
    ),
    (
        Channel.EMAIL,
        Direction.INBOUND,
        "Kysymys laskusta",
        "Hei,\n\nlaskullamme on kaksi riviä samasta lisenssistä. Voisitteko "
        "tarkistaa?\n\nYstävällisin terveisin",
    ),
    (
        Channel.EMAIL,
        Direction.OUTBOUND,
        "Re: Kysymys laskusta",
        "Hei,\n\ntarkistimme laskun: toinen rivi hyvitetään seuraavalla laskulla."
        "\n\nTerveisin\nAsiakaspalvelu",
    ),
    (
        Channel.MEETING,
        Direction.INTERNAL,
        "Vuosipalaveri",
        "Käytiin läpi käyttöönoton tilanne ja ensi vuoden tarpeet. Asiakas "
        "harkitsee kahta lisälisenssiä.",
    ),
    (
        Channel.TICKET,
        Direction.INBOUND,
        "Tukipyyntö: raportti hidas",
        "Kuukausiraportin muodostus kestää yli minuutin. Ohjattu kehitykselle.",
    ),
    (
        Channel.CHAT,
        Direction.INBOUND,
        "Chat: uuden käyttäjän lisääminen",
        "Neuvottiin, miten pääkäyttäjä lisää uuden käyttäjän asetuksista.",
    ),
)


def seed_messages(*, per_organization: int = 3, seed: int = 5) -> int:
    """Add ``per_organization`` messages to each organization that has none.

    Returns the number of messages added. Idempotent: organizations that
    already have messages are left alone.
    """
    rng = random.Random(seed)
    now = timezone.now().replace(second=0, microsecond=0)
    today = timezone.localdate()
    added = 0
    busy = set(Message.objects.values_list("organization_id", flat=True).distinct())
    with keyring.ensure_scope(), transaction.atomic():
        for org in Organization.objects.order_by("customer_number").iterator():
            if org.pk in busy:
                continue
            people = list(
                Role.objects.not_ended(on=today)
                .filter(organization=org)
                .values_list("person_id", flat=True)[:3]
            )
            thread = None
            for n in range(per_organization):
                channel, direction, subject, body = TEMPLATES[
                    rng.randrange(len(TEMPLATES))
                ]
                when = now - dt.timedelta(
                    days=rng.randrange(1, 365), minutes=rng.randrange(0, 600)
                )
                participants = [
                    services.ParticipantIn(
                        role=ParticipantRole.FROM
                        if direction == Direction.INBOUND
                        else ParticipantRole.TO,
                        person=Person(pk=pid),
                    )
                    for pid in people[: rng.randint(1, 2)]
                ]
                message = services.message_store(
                    actor=None,
                    organization=org,
                    person=None,
                    channel=channel,
                    direction=direction,
                    occurred_at=when,
                    subject=subject,
                    body=body,
                    participants=participants,
                    # The second message answers the first, as a thread.
                    thread=thread if n == 1 else None,
                    source=ImportSource.DEMO,
                )
                thread = message.thread
                added += 1
    return added
