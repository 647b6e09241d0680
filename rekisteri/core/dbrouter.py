"""Read replicas: read-only traffic to a replica, everything else on the primary.

``DATABASE_REPLICA_URL`` adds the database alias ``replica`` (a streaming
replica of the main database). Without it the router answers ``None``
everywhere and Django uses ``default`` as before.

A read goes to the replica only when all of these hold:

1. it runs inside a replica scope: :class:`ReplicaReadsMiddleware` opens one
   for the views in ``REKISTERI_REPLICA_VIEWS`` (the register's lists,
   search and the person page, and the REST API's GET routes of the
   register), nothing else does, so management commands,
   tasks and every other view read the primary;
2. its model is not in :data:`PRIMARY_APPS`: sign-in state, sessions, staff
   accounts and their access grants, the audit chain, the cache's counters
   and the rights engine's records (rights, requests, restrictions,
   retention) are always read where they are written;
3. no transaction is open on the primary: a service's reads inside its
   transaction see its own writes;
4. nothing in the scope has written yet: the first write of a model that
   may be read from the replica pins the rest of the request to the
   primary, so a request reads what it wrote;
5. no :func:`primary` block is open: code that must read what was just
   committed, such as the rights engine's export and erasure, wraps itself
   in one.

Writes always go to the primary. The key store keeps its own database: this
router leaves its models to ``rekisteri.keystore.router.KeystoreRouter``,
listed after it, and refuses migrations on the replica only. See
docs/operations.md, Past one machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

from rekisteri.core.conf import setting

REPLICA = "replica"
PRIMARY = DEFAULT_DB_ALIAS
# The key store's own router decides for its models (docs/security.md).
KEYSTORE_APP = "keystore"

# Apps whose rows are read on the primary even inside a replica scope.
PRIMARY_APPS = frozenset(
    {
        "access",
        "accounts",
        "audit",
        "auth",
        "django_cache",
        "dsr",
        "jobs",
        "otp_static",
        "otp_totp",
        "restrictions",
        "retention",
        "rights",
        "sessions",
    }
)

# View name -> the methods whose reads may go to the replica. Search is a
# POST (queries stay out of URLs) that writes only its audit event.
REPLICA_VIEWS: dict[str, frozenset[str]] = {
    "registry:person_list": frozenset({"GET", "HEAD"}),
    "registry:person_detail": frozenset({"GET", "HEAD"}),
    "registry:organization_list": frozenset({"GET", "HEAD"}),
    "registry:organization_detail": frozenset({"GET", "HEAD"}),
    "registry:search": frozenset({"GET", "HEAD", "POST"}),
    # The REST API's register reads (rekisteri/registry/api.py); the same
    # paths' PATCH and POST stay on the primary.
    "api:person_list": frozenset({"GET", "HEAD"}),
    "api:person_detail": frozenset({"GET", "HEAD"}),
    "api:organization_list": frozenset({"GET", "HEAD"}),
    "api:organization_detail": frozenset({"GET", "HEAD"}),
    "api:organization_roles": frozenset({"GET", "HEAD"}),
}


@dataclass
class _Scope:
    replica: bool = False  # reads may go to the replica
    pinned: bool = False  # something was written: the primary from now on
    primary: int = 0  # open primary() blocks


_scope: ContextVar[_Scope | None] = ContextVar("rekisteri_db_scope", default=None)


def configured() -> bool:
    """True when a replica alias is configured (DATABASES, as the connection
    handler read it)."""
    return REPLICA in connections.settings


def replica_views() -> dict[str, frozenset[str]]:
    views = setting("REKISTERI_REPLICA_VIEWS")
    return REPLICA_VIEWS if views is None else views


@contextmanager
def replica_reads() -> Iterator[None]:
    """A replica scope outside a request (the middleware's, for tests and
    read-only jobs that tolerate replication lag)."""
    token = _scope.set(_Scope(replica=True))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def primary() -> Iterator[None]:
    """Every read inside goes to the primary, whatever scope is open."""
    scope = _scope.get()
    if scope is None:
        yield  # no replica scope: everything is on the primary already
        return
    scope.primary += 1
    try:
        yield
    finally:
        scope.primary -= 1


F = TypeVar("F", bound=Callable[..., Any])


def on_primary(func: F) -> F:
    """Decorator form of :func:`primary`."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with primary():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def pinned() -> bool:
    """True when the current scope has written and reads stay on the primary."""
    scope = _scope.get()
    return scope is not None and scope.pinned


def _replica_allowed(model: Any) -> bool:
    scope = _scope.get()
    return (
        scope is not None
        and scope.replica
        and not scope.pinned
        and not scope.primary
        and model._meta.app_label not in PRIMARY_APPS
        and not connections[PRIMARY].in_atomic_block
    )


class ReplicaRouter:
    """Routes reads as the module says; writes to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not configured() or model._meta.app_label == KEYSTORE_APP:
            return None
        return REPLICA if _replica_allowed(model) else PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        if not configured() or model._meta.app_label == KEYSTORE_APP:
            return None
        scope = _scope.get()
        if scope is not None and model._meta.app_label not in PRIMARY_APPS:
            scope.pinned = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: rows from either may relate.
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {PRIMARY, REPLICA} else None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # A replica follows the primary's schema by replication.
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Opens a scope per request; the views in ``REKISTERI_REPLICA_VIEWS``
    may read from the replica (when one is configured)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _scope.set(_Scope())
        try:
            return self.get_response(request)
        finally:
            _scope.reset(token)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        scope = _scope.get()
        match = request.resolver_match
        if scope is None or match is None or not configured():
            return
        methods = replica_views().get(match.view_name)
        if methods is not None and request.method in methods:
            scope.replica = True
