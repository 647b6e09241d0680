"""Reading the need-to-know matrix.

:func:`visible_families` is what the rest of the system asks: which
families of personal data may this user view (change, export, erase)? Views
render only those, and their audit events list exactly those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONArray
from django.utils.translation import gettext as _

from rekisteri.access import families
from rekisteri.access.choices import Action
from rekisteri.access.defaults import DEFAULT_MATRIX, DEFAULT_PERSON_SCOPE
from rekisteri.access.models import NeedToKnowRule, PersonScope
from rekisteri.accounts.backends import take_preloaded
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.middleware import current_request
from rekisteri.core.errors import Forbidden
from rekisteri.core.jsonrows import JSONRows, rows_of

Grid = dict[tuple[str, str, str], bool]


def _stored() -> Grid | None:
    """The saved matrix, or None while nothing has been saved (defaults)."""
    rows = list(
        NeedToKnowRule.objects.values_list("role", "category", "action", "allowed")
    )
    if not rows:
        return None
    return {(role, cat, action): allowed for role, cat, action, allowed in rows}


def default_grid() -> Grid:
    """The shipped matrix (access.DEFAULT_MATRIX) as a grid, before any change."""
    return {
        (role, family, action): True
        for role, by_action in DEFAULT_MATRIX.items()
        for action, allowed in by_action.items()
        for family in allowed
    }


def matrix_grid() -> Grid:
    """Every allowed (role, family, action); anything absent is denied."""
    stored = _stored()
    return default_grid() if stored is None else stored


# The matrix and the person scopes are read several times by one page (its
# own view, each section, the navigation): within a request they are read
# once and kept on the request; a change through the services forgets them.
_MEMO = "_rekisteri_access_memo"


def _memo() -> dict[Any, Any] | None:
    request = current_request.get()
    if request is None:
        return None
    memo = request.__dict__.get(_MEMO)
    if memo is None:
        memo = request.__dict__[_MEMO] = {}
        _seed(memo, getattr(request, "user", None))
    return memo


def user_preload() -> dict[str, Any]:
    """What the session's account is loaded with (accounts.backends): its
    role's matrix rows and person scope, and whether either table has rows
    (while one is empty its defaults apply)."""
    return {
        "access_rules": Subquery(
            NeedToKnowRule.objects.filter(role=OuterRef("role"))
            .order_by()
            .values("role")
            .annotate(rows=JSONRows(JSONArray("action", "category", "allowed")))
            .values("rows")[:1]
        ),
        "access_rules_any": Exists(NeedToKnowRule.objects.all()),
        "access_scope": Subquery(
            PersonScope.objects.filter(role=OuterRef("role")).values("role_kinds")[:1]
        ),
        "access_scope_any": Exists(PersonScope.objects.all()),
    }


def _seed(memo: dict[Any, Any], user: Any) -> None:
    """Start the request's memo from what came with the session's account,
    so the page reads neither table again. Taken once: after a change
    (:func:`forget`) the tables are read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    loaded = take_preloaded(user, "access")
    if loaded is None:
        return
    role = user.role
    rows = rows_of(loaded["access_rules"])
    if not rows and not loaded["access_rules_any"]:
        memo[("matrix", role)] = dict(DEFAULT_MATRIX.get(role, {}))
    else:
        memo[("matrix", role)] = _allowed(rows)
    if loaded["access_scope_any"]:
        kinds = loaded["access_scope"]
        if isinstance(kinds, str):
            kinds = json.loads(kinds)
    else:
        kinds = DEFAULT_PERSON_SCOPE.get(role)
    memo[("scope", role)] = frozenset(kinds) if kinds else None


def _allowed(rows: Iterable[Any]) -> dict[str, frozenset[str]]:
    allowed: dict[str, set[str]] = {}
    for action, category, ok in rows:
        if ok:
            allowed.setdefault(action, set()).add(category)
    return {action: frozenset(cats) for action, cats in allowed.items()}


def forget() -> None:
    """Drop what this request read of the matrix (after a change)."""
    request = current_request.get()
    if request is not None:
        request.__dict__.pop(_MEMO, None)


def role_families(role: str, action: str) -> frozenset[str]:
    """Families ``role`` may ``action``."""
    memo = _memo()
    if memo is None:
        return _role_families(role, action)
    key = ("matrix", role)
    if key not in memo:
        memo[key] = _role_matrix(role)
    return memo[key].get(str(action), frozenset())


def _role_matrix(role: str) -> dict[str, frozenset[str]]:
    """Every action's families for ``role`` in one query (a page asks for
    several: view, change, and the rights engine's export and erase)."""
    rows = list(
        NeedToKnowRule.objects.filter(role=role).values_list(
            "action", "category", "allowed"
        )
    )
    if not rows and not NeedToKnowRule.objects.exists():
        return dict(DEFAULT_MATRIX.get(role, {}))
    return _allowed(rows)


def _role_families(role: str, action: str) -> frozenset[str]:
    rows = list(
        NeedToKnowRule.objects.filter(role=role, action=action).values_list(
            "category", "allowed"
        )
    )
    if not rows and not NeedToKnowRule.objects.exists():
        return DEFAULT_MATRIX.get(role, {}).get(action, frozenset())
    return frozenset(cat for cat, allowed in rows if allowed)


def visible_families(user: Any, action: str = Action.VIEW) -> frozenset[str]:
    """The data families ``user`` may ``action`` (empty for no one / inactive).

    The account gate (``has_perm``: active, authenticated and whatever the
    accounts layer requires, such as current training) applies first.
    """
    if not has_perm(user, Perm.AUTHENTICATED):
        return frozenset()
    return role_families(user.role, str(action))


def person_scope(user: Any) -> frozenset[str] | None:
    """The role kinds a person must hold for ``user`` to see them, or None
    when ``user`` may see every person (their matrix row still decides which
    of a person's data). The register's person selectors apply it."""
    role = getattr(user, "role", "")
    memo = _memo()
    if memo is None:
        rows = _scope_rows()
    elif ("scope", role) in memo:
        return memo[("scope", role)]
    else:
        if "scopes" not in memo:
            memo["scopes"] = _scope_rows()
        rows = memo["scopes"]
    kinds = DEFAULT_PERSON_SCOPE.get(role) if not rows else rows.get(role)
    return frozenset(kinds) if kinds else None


def _scope_rows() -> dict[str, list[str]]:
    return dict(PersonScope.objects.values_list("role", "role_kinds"))


def person_scopes() -> dict[str, list[str]]:
    """Every role's person scope as it applies now (sorted role kinds; an
    empty list: every person), the defaults while the table is empty."""
    rows = dict(PersonScope.objects.values_list("role", "role_kinds"))
    source = rows if rows else DEFAULT_PERSON_SCOPE
    return {role: sorted(source.get(role) or ()) for role in StaffRole.values}


@dataclass(frozen=True)
class MatrixRow:
    """One family's line of the readable table."""

    family: str
    label: str
    description: str
    # (role, role label, [(action, allowed)]) per role
    cells: list[tuple[str, str, list[tuple[str, bool]]]]


def matrix_table() -> list[MatrixRow]:
    """The matrix as the UI shows it: families × roles × actions."""
    grid = matrix_grid()
    rows = []
    for key in families.all_families():
        family = families.FAMILY_BY_KEY.get(key)
        rows.append(
            MatrixRow(
                family=key,
                label=families.label(key),
                description=str(family.description) if family else "",
                cells=[
                    (
                        role,
                        str(role_label),
                        [
                            (action, grid.get((role, key, action), False))
                            for action in Action.values
                        ],
                    )
                    for role, role_label in StaffRole.choices
                ],
            )
        )
    return rows


def require_families(user: Any, action: str, families: Iterable[str]) -> None:
    """Raise :class:`Forbidden` (code ``need_to_know``) unless ``user`` may
    ``action`` every one of ``families``.

    ``user=None`` is the system itself (installer, scheduled jobs, the demo
    seeder), which the matrix does not restrict.
    """
    if user is None:
        return
    missing = set(families) - visible_families(user, action)
    if missing:
        raise Forbidden(
            _("Your role may not do this with some of this data."),
            code="need_to_know",
        )
