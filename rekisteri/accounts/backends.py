"""The session's user, loaded with what every page asks of it in one query.

Every request of a logged-in user loads the account (Django's
``AuthenticationMiddleware``), then asks whether its training and
attestation are current (``has_perm``) and, on any page with personal data,
what its role may see (the need-to-know matrix and the person scope of the
``access`` app). :class:`StaffBackend` loads the account with the first two
as subqueries of the same statement; apps above ``accounts`` add theirs with
:func:`register_user_preload` (``access`` does, in its ``AppConfig.ready``),
and read them back with :func:`take_preloaded` once per request. Nothing is
cached between requests: every value comes from the database with the
account (docs/benchmarks.md, Audit log, on the person page's statements).

The statement is compiled once per process (rekisteri/core/compiled.py):
building it through the ORM cost every request about 1.5 ms, running it a
few hundredths of one (docs/benchmarks.md, the header search's request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from rekisteri.accounts.clearance import clearance_annotations, keep_loaded_clearance
from rekisteri.accounts.conf import setting
from rekisteri.core import compiled

# name -> a function giving the annotations (name -> expression) to add.
_preloads: dict[str, Callable[[], dict[str, Any]]] = {}
_PRELOADED = "_rekisteri_preloaded"


def register_user_preload(name: str, annotations: Callable[[], dict[str, Any]]) -> None:
    """Load ``annotations()`` with the session's user; read them back with
    :func:`take_preloaded` under ``name``."""
    _preloads[name] = annotations


def take_preloaded(user: Any, name: str) -> dict[str, Any] | None:
    """What the preload ``name`` loaded with ``user``, once (None after, or
    for a user not loaded by the session)."""
    loaded = getattr(user, _PRELOADED, None)
    if not loaded:
        return None
    return loaded.pop(name, None)


# A primary key no account has: the compiled statement's stand-in.
_NO_USER = -(2**62)
# The annotation names of each preload, per statement (see get_user).
_names: dict[tuple[Any, ...], dict[str, tuple[str, ...]]] = {}


def _preload_names(key: tuple[Any, ...]) -> dict[str, tuple[str, ...]]:
    names = _names.get(key)
    if names is None:
        names = _names[key] = {
            name: tuple(annotations()) for name, annotations in _preloads.items()
        }
    return names


class StaffBackend(ModelBackend):
    """Django's model backend, whose ``get_user`` (the session's account on
    every request) also loads the clearance and the registered preloads."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()

        def build(pk: Any) -> Any:
            extra = {
                key: expr
                for annotations in _preloads.values()
                for key, expr in annotations().items()
            }
            return model._default_manager.filter(pk=pk).annotate(
                **clearance_annotations(model), **extra
            )

        # The attestation's version is the statement's one parameter besides
        # the id; the preloads are registered once, in AppConfig.ready.
        key = ("session_user", setting("REKISTERI_ATTESTATION_VERSION"), *_preloads)
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = compiled.instance(key, build, pk, model=model, stand_in=_NO_USER)
        if user is None or not self.user_can_authenticate(user):
            return None
        keep_loaded_clearance(user)
        setattr(
            user,
            _PRELOADED,
            {
                name: {key: user.__dict__.pop(key, None) for key in group}
                for name, group in _preload_names(key).items()
            },
        )
        return user
