"""Choices of the message history."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    CHAT = "chat", _("Chat")
    TICKET = "ticket", _("Support ticket")
    MEETING = "meeting", _("Meeting note")


class Direction(models.TextChoices):
    INBOUND = "in", _("Incoming")
    OUTBOUND = "out", _("Outgoing")
    INTERNAL = "internal", _("Internal")


class ParticipantRole(models.TextChoices):
    # A context of their own: "From" and "To" of a date range are other words
    # in Finnish (Alkaen, Päättyen), and catalogs share plain msgids.
    FROM = "from", pgettext_lazy("message participant", "From")
    TO = "to", pgettext_lazy("message participant", "To")
    CC = "cc", pgettext_lazy("message participant", "Cc")


class AddressKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    NAME = "name", _("Name only")


class ImportSource(models.TextChoices):
    MANUAL = "manual", _("Entered by staff")
    EML = "eml", _("Imported .eml file")
    MBOX = "mbox", _("Imported mbox file")
    MSG = "msg", _("Imported Outlook .msg file")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")
