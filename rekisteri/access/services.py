"""Changing the need-to-know matrix (administrators only, audited)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access import families
from rekisteri.access.choices import Action
from rekisteri.access.models import NeedToKnowRule, PersonScope
from rekisteri.access.selectors import default_grid, forget, matrix_grid, person_scopes
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import FieldErrors, Forbidden
from rekisteri.registry.choices import RoleKind

Change = tuple[str, str, str, bool]  # role, family, action, allowed


def matrix_set(
    *, actor: Any, changes: Iterable[Change], request: Any = None
) -> list[Change]:
    """Set cells of the matrix; returns the cells that actually changed.

    All cells are validated before anything is written. Each changed cell is
    one ``matrix.change`` audit event with role, category, action and the old
    and new value. The first change saves the whole default matrix, so the
    table then holds every decision explicitly.
    """
    if not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise Forbidden()
    changes = list(changes)
    errors = FieldErrors()
    known = set(families.all_families())
    for role, family, action, allowed in changes:
        if role not in StaffRole.values:
            errors.add("role", "invalid_choice", _("Unknown role."))
        if family not in known:
            errors.add("category", "invalid_choice", _("Unknown data category."))
        if action not in Action.values:
            errors.add("action", "invalid_choice", _("Unknown action."))
        if not isinstance(allowed, bool):
            errors.add("allowed", "invalid", _("Enter yes or no."))
    errors.raise_if_any()
    done: list[Change] = []
    with transaction.atomic():
        if not NeedToKnowRule.objects.exists():
            NeedToKnowRule.objects.bulk_create(
                NeedToKnowRule(role=r, category=c, action=a, allowed=True)
                for (r, c, a) in default_grid()
            )
        grid = matrix_grid()
        for role, family, action, allowed in changes:
            old = grid.get((role, family, action), False)
            if old == allowed:
                continue
            NeedToKnowRule.objects.update_or_create(
                role=role,
                category=family,
                action=action,
                defaults={"allowed": allowed},
            )
            grid[(role, family, action)] = allowed
            audit_record(
                actor=actor,
                action="matrix.change",
                target_type="need_to_know",
                target_id=f"{role}:{family}:{action}",
                purpose="security",
                details={
                    "role": role,
                    "category": family,
                    "action": action,
                    "old": old,
                    "new": allowed,
                },
                request=request,
            )
            done.append((role, family, action, allowed))
    # Later reads in this request see the change.
    forget()
    return done


def person_scope_set(
    *, actor: Any, scopes: dict[str, Iterable[str]], request: Any = None
) -> list[str]:
    """Set whose data each role sees: the register's role kinds a person
    must hold (or have held) for the role to see them; none means everyone
    the role's matrix row allows. Returns the roles whose scope changed.

    Administrators only. The first change writes every role's scope (the
    defaults included), so the table then holds each decision explicitly;
    each changed role is one ``person_scope.change`` audit event with the old
    and the new kinds.
    """
    if not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise Forbidden()
    errors = FieldErrors()
    clean: dict[str, list[str]] = {}
    for role, kinds in scopes.items():
        kinds = sorted(set(kinds))
        if role not in StaffRole.values:
            errors.add("role", "invalid_choice", _("Unknown role."))
        if any(kind not in RoleKind.values for kind in kinds):
            errors.add("role_kinds", "invalid_choice", _("Unknown role kind."))
        clean[role] = kinds
    errors.raise_if_any()
    done: list[str] = []
    with transaction.atomic():
        current = person_scopes()
        if not PersonScope.objects.exists():
            PersonScope.objects.bulk_create(
                PersonScope(role=role, role_kinds=kinds)
                for role, kinds in current.items()
            )
        for role, kinds in clean.items():
            old = current.get(role, [])
            if old == kinds:
                continue
            PersonScope.objects.update_or_create(
                role=role, defaults={"role_kinds": kinds}
            )
            audit_record(
                actor=actor,
                action="person_scope.change",
                target_type="person_scope",
                target_id=role,
                purpose="security",
                details={"role": role, "old": old, "new": kinds},
                request=request,
            )
            done.append(role)
    # Later reads in this request see the change.
    forget()
    return done
