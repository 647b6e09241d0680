"""The need-to-know matrix, kept as data (docs/security.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rekisteri.access.choices import Action
from rekisteri.accounts.choices import StaffRole
from rekisteri.core.catalogue import not_personal


class NeedToKnowRule(models.Model):
    """Whether staff in ``role`` may do ``action`` with a family of data.

    ``category`` is a family key (see :mod:`rekisteri.access.families`). A
    missing row means "no": access is denied by default.
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    role = not_personal(
        models.CharField(_("role"), max_length=32, choices=StaffRole.choices)
    )
    category = not_personal(models.CharField(_("data category"), max_length=64))
    action = not_personal(
        models.CharField(_("action"), max_length=8, choices=Action.choices)
    )
    allowed = not_personal(models.BooleanField(_("allowed"), default=False))
    changed_at = not_personal(models.DateTimeField(_("changed"), auto_now=True))

    class Meta:
        verbose_name = _("need-to-know rule")
        verbose_name_plural = _("need-to-know rules")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "category", "action"], name="access_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.action} {self.category}: {self.allowed}"


class PersonScope(models.Model):
    """Which persons staff in ``role`` see at all: only those who hold, or
    held, a role of one of ``role_kinds`` at an organization (the register's
    role kinds, such as ``billing_contact``). An empty list, or no row for
    the role, means every person. While the table is empty the defaults in
    :mod:`rekisteri.access.defaults` apply.
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    role = not_personal(
        models.CharField(
            _("role"), max_length=32, choices=StaffRole.choices, unique=True
        )
    )
    role_kinds = not_personal(models.JSONField(_("role kinds"), default=list))
    changed_at = not_personal(models.DateTimeField(_("changed"), auto_now=True))

    class Meta:
        verbose_name = _("person scope")
        verbose_name_plural = _("person scopes")

    def __str__(self) -> str:
        return f"{self.role}: {', '.join(self.role_kinds) or '*'}"
