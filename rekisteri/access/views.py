"""The need-to-know matrix in the UI: readable by all staff, editable by
administrators (every changed cell is a ``matrix.change`` audit event)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rekisteri.access import families, selectors, services
from rekisteri.access.choices import Action
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.core.errors import ServiceError
from rekisteri.registry.choices import RoleKind


def _context(request: HttpRequest) -> dict:
    return {
        "rows": selectors.matrix_table(),
        "roles": StaffRole.choices,
        "actions": Action.choices,
        "can_edit": has_perm(request.user, Perm.ACCOUNTS_MANAGE),
        "can_view_audit": has_perm(request.user, Perm.AUDIT_VIEW),
    }


@require(Perm.AUTHENTICATED)
def matrix(request: HttpRequest) -> HttpResponse:
    """The matrix as a table: who may do what with which data."""
    return render(request, "access/matrix.html", _context(request))


def cell_name(role: str, family: str, action: str) -> str:
    return f"{role}__{family}__{action}"


@require(Perm.ACCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def matrix_edit(request: HttpRequest) -> HttpResponse:
    """Tick the cells; saving sends every cell, changed ones are recorded."""
    if request.method == "POST":
        changes = [
            (role, family, action, cell_name(role, family, action) in request.POST)
            for family in families.all_families()
            for role in StaffRole.values
            for action in Action.values
        ]
        try:
            done = services.matrix_set(
                actor=request.user, changes=changes, request=request
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if done:
                messages.success(
                    request,
                    _("Need-to-know matrix saved: %(n)d changes.") % {"n": len(done)},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("access:matrix")
    return render(request, "access/matrix_edit.html", _context(request))


def scope_name(role: str, kind: str) -> str:
    return f"{role}__{kind}"


@require(Perm.ACCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def scope_edit(request: HttpRequest) -> HttpResponse:
    """Whose data each role sees (``PersonScope``): the role kinds a person
    must hold for the role to see them. Administrators only; every changed
    role is a ``person_scope.change`` audit event."""
    if request.method == "POST":
        scopes = {
            role: [k for k in RoleKind.values if scope_name(role, k) in request.POST]
            for role in StaffRole.values
        }
        try:
            done = services.person_scope_set(
                actor=request.user, scopes=scopes, request=request
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if done:
                messages.success(
                    request,
                    _("Person scopes saved: %(n)d roles changed.") % {"n": len(done)},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("access:scope_edit")
    current = selectors.person_scopes()
    rows = [
        {
            "role": role,
            "label": label,
            "cells": [
                (scope_name(role, kind), kind_label, kind in current[role])
                for kind, kind_label in RoleKind.choices
            ],
            "everyone": not current[role],
        }
        for role, label in StaffRole.choices
    ]
    return render(
        request,
        "access/scope_edit.html",
        {"rows": rows, "kinds": RoleKind.choices},
    )
