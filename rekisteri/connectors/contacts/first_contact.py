"""Art. 14(3)(b): informing at the first communication, at the message form.

Data obtained from a third party and used to communicate with the person
must be explained "at the latest at the time of the first communication".
Staff log messages in the message history; before they log one to a person
whose Art. 14 task is open, the form shows the task and the notice's text
in the person's language (``messaging.extensions``, a duty) and, for an
outgoing message, asks what was done:

- the notice went with the message: its text is added to the message and
  the task is recorded as done at the message's time, on its channel
  (:func:`inform.inform_with_message`);
- send the notice by email now (:func:`inform.inform_send`);
- not told: the message is logged and the task is overdue from it (the
  listener :func:`inform.first_message` moves the deadline to the message).

Who sees it follows the need-to-know matrix (docs/security.md, Access
model): the task and its notice are the ``privacy`` family, so the duty is
shown only to a role that may view that family, for persons the form
already offers (within the role's person scope); the two ways of informing
are offered only to a role that may change it, as the write services
enforce. Each task shown is recorded as ``connectors.inform_prompt``.

The person page shows the same before anyone writes or calls: the open
task, its deadline and the notice (:func:`person_section`), read with the
page's own query when there is none (:func:`person_flags`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.choices import Action
from rekisteri.access.selectors import visible_families
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.services import audit_record
from rekisteri.connectors.contacts import inform
from rekisteri.connectors.models import InformTask
from rekisteri.core import keyring
from rekisteri.core.templatetags.core_tags import day
from rekisteri.messaging.extensions import Duty
from rekisteri.registry import selectors as registry_selectors

FAMILY = "privacy"
WITH_MESSAGE = "message"
BY_EMAIL = "email"
NOT_TOLD = "not_told"


def _choices(may_act: bool) -> tuple[tuple[str, str], ...]:
    told = (
        (WITH_MESSAGE, _("Told in this message: add the notice to its text")),
        (BY_EMAIL, _("Send the notice by email now")),
    )
    not_told = ((NOT_TOLD, _("Not told: the notice is overdue from this message")),)
    return (*told, *not_told) if may_act else not_told


def _detail(task: InformTask) -> str:
    if task.first_message_at is not None:
        return _(
            "A message went to them on %(day)s before they were told: the "
            "notice is overdue."
        ) % {"day": day(task.first_message_at)}
    return _(
        "Deadline %(day)s, or the first message to them, whichever comes first "
        "(Art. 14(3))."
    ) % {"day": day(task.due)}


def _fulfil(task_id: Any, name: str):
    def fulfil(actor: Any, choice: str, message: Any) -> str:
        task = InformTask.objects.select_related("person", "source").get(pk=task_id)
        if choice == WITH_MESSAGE:
            inform.inform_with_message(actor=actor, task=task, message=message)
            return _("%(name)s was told where their data came from.") % {"name": name}
        if choice == BY_EMAIL:
            inform.inform_send(actor=actor, task=task)
            return _("The notice was sent to %(name)s by email.") % {"name": name}
        if message.direction == "out":
            return _(
                "%(name)s has not been told where their data came from: the "
                "notice is overdue."
            ) % {"name": name}
        return ""

    return fulfil


def _record_shown(request: Any, task: InformTask, page: str) -> None:
    audit_record(
        actor=request.user,
        action="connectors.inform_prompt",
        target_type="inform_task",
        target_id=task.pk,
        subject_id=task.person_id,
        categories=["user.privacy_preferences", "user.name"],
        purpose="customer_relationship",
        details={"source": task.source.code, "page": page},
        request=request,
    )


def duties(request: Any, person_ids: list[Any]) -> list[Duty]:
    """The open Art. 14 tasks of ``person_ids`` as duties of the message
    form, for a user whose role may view the privacy family."""
    user = request.user
    if FAMILY not in visible_families(user):
        return []
    may_act = FAMILY in visible_families(user, Action.CHANGE)
    visible = registry_selectors.person_queryset(user).values("pk")
    tasks = list(
        inform.open_tasks()
        .filter(person_id__in=person_ids, person__in=visible)
        .select_related("person")
        .order_by("due", "id")
    )
    out = []
    with keyring.ensure_scope():
        for task in tasks:
            person = task.person
            name = f"{person.first_name} {person.last_name}".strip()
            notice = inform.render(task)
            out.append(
                Duty(
                    key=str(task.pk),
                    person_id=task.person_id,
                    heading=_(
                        "%(name)s has not been told that their data came from "
                        "%(source)s"
                    )
                    % {"name": name, "source": task.source.name},
                    detail=_detail(task),
                    text=f"{notice.subject}\n\n{notice.body}",
                    choices=_choices(may_act),
                    adds_text=frozenset({WITH_MESSAGE}),
                    fulfil=_fulfil(task.pk, name),
                )
            )
            _record_shown(request, task, "message_form")
    return out


# --------------------------------------------------------------------------
# The person page
# --------------------------------------------------------------------------

OPEN = "connectors_inform_open"


def person_flags() -> dict[str, Any]:
    """Whether the person has an open task, as an annotation of the person
    page's query (registry.extensions.register_person_annotations)."""
    return {
        OPEN: Exists(
            InformTask.objects.filter(person_id=OuterRef("pk"), informed_at=None)
        )
    }


def person_section(request: Any, person: Any) -> str:
    """The person's open Art. 14 tasks with their notices, for a role that
    may view the privacy family."""
    user = request.user
    if not person.__dict__.get(OPEN, True) or FAMILY not in visible_families(user):
        return ""
    tasks = list(inform.open_tasks().filter(person_id=person.pk).order_by("due", "id"))
    if not tasks:
        return ""
    today = timezone.localdate()
    rows = []
    for task in tasks:
        task.person = person
        notice = inform.render(task)
        rows.append(
            {
                "task": task,
                "overdue": inform.is_overdue(task, today),
                "text": f"{notice.subject}\n\n{notice.body}",
            }
        )
        _record_shown(request, task, "person")
    return render_to_string(
        "connectors/partials/person_inform.html",
        {
            "person": person,
            "rows": rows,
            "can_log": has_perm(user, Perm.MESSAGES_CHANGE),
            "can_list": has_perm(user, Perm.PRIVACY_VIEW),
        },
        request=request,
    )
