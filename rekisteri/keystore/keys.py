"""Data keys per (subject, key class): get, create, shred, rotate.

Unwrapped keys are cached only inside a :func:`key_scope` (one request, one
batch of a command). A scope never outlives its unit of work, and shredding
clears the current scope, so no cache can hand out a key after its shred.
Outside a scope nothing is cached.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from rekisteri.core import compiled, idlist
from rekisteri.core.copyrows import write_rows
from rekisteri.core.crypto.master import (
    KEY_BYTES,
    KeyConfigError,
    MasterKeyProvider,
    UnwrapError,
    load,
)
from rekisteri.core.keyring import KeyDestroyed
from rekisteri.keystore.conf import setting

# The erasure ledger (backups and restore) is part of the store's interface
# too, in its own module.
from rekisteri.keystore.ledger import (  # noqa: F401
    key_states,
    ledger_entries,
    ledger_forget_marks,
    ledger_max_id,
    ledger_merge,
)
from rekisteri.keystore.models import DataKey, ErasureEntry, KeyRing, MasterKeyCheck

# The orphan sweep is part of the store's interface (core/keyring.py calls it
# through this module); it lives in its own module.
from rekisteri.keystore.orphans import (  # noqa: F401
    orphan_keys,
    register_subject_model,
    remove_orphans,
)
from rekisteri.keystore.router import KEYSTORE_DB

log = logging.getLogger("rekisteri.keys")

# (subject_id, key_class) -> {version: key}; destroyed subjects map to {}.
_scope: ContextVar[dict[tuple[uuid.UUID, str], dict[int, bytes]] | None] = ContextVar(
    "rekisteri_key_scope", default=None
)


_loaded: MasterKeyProvider | None = None
_ring: dict[str, object] = {"primary": None, "read_at": float("-inf")}
_lock = threading.Lock()


def provider() -> MasterKeyProvider:
    """The configured master-key provider (loaded once per process)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load(setting("REKISTERI_MASTER_KEY_FILE"))
    return _loaded


def reset_provider() -> None:
    """Forget the loaded provider (after the key file changed)."""
    global _loaded
    _loaded = None
    _ring["read_at"] = float("-inf")


# --------------------------------------------------------------------------
# The key ring: which master key wraps new data keys, as the key store says
# --------------------------------------------------------------------------


def ring_primary(*, fresh: bool = False) -> str | None:
    """The key store's primary master key id (cached for a few seconds)."""
    now = time.monotonic()
    ttl = setting("REKISTERI_KEYRING_CHECK_SECONDS")
    if fresh or now - float(_ring["read_at"]) >= ttl:  # type: ignore[arg-type]
        row = KeyRing.objects.using(KEYSTORE_DB).filter(pk=1).first()
        _ring["primary"] = row.primary if row else None
        _ring["read_at"] = now
    return _ring["primary"]  # type: ignore[return-value]


def set_primary(master_id: str) -> None:
    """Make ``master_id`` the key that wraps new data keys everywhere."""
    with transaction.atomic(using=KEYSTORE_DB):
        row = KeyRing.objects.using(KEYSTORE_DB).select_for_update().filter(pk=1)
        row = row.first()
        if row is None:
            KeyRing.objects.using(KEYSTORE_DB).create(pk=1, primary=master_id)
        elif row.primary != master_id:
            row.primary = master_id
            row.version += 1
            row.changed_at = timezone.now()
            row.save()
    _ring["read_at"] = float("-inf")


def wrapping_key() -> tuple[MasterKeyProvider, str]:
    """The provider and the master key id to wrap new data keys under.

    The key ring in the key store decides, so a process started before
    ``keys add-master`` learns the new primary: it reloads the key file if
    it does not know that key, and refuses to wrap (KeyConfigError) rather
    than use an old key if it still cannot.
    """
    p = provider()
    primary = ring_primary()
    if primary is None or primary == p.active_id:
        return p, p.active_id
    if primary not in p.known_ids():
        reset_provider()
        p = provider()
        if primary not in p.known_ids():
            raise KeyConfigError(
                f"the key store's primary master key {primary!r} is not configured "
                "in this process: add it to REKISTERI_MASTER_KEY (or the key "
                "file) and restart"
            )
    return p, primary


@contextmanager
def key_scope() -> Iterator[None]:
    """Cache unwrapped keys for the duration of one unit of work."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def _context(subject_id: uuid.UUID, key_class: str, version: int) -> bytes:
    return f"{subject_id}|{key_class}|{version}".encode()


def _unwrap(row: DataKey) -> bytes:
    return _unwrap_columns(
        row.subject_id, row.key_class, row.version, row.master_key_id, row.wrapped
    )


def _unwrap_columns(
    subject_id: uuid.UUID,
    key_class: str,
    version: int,
    master_key_id: str,
    wrapped: bytes,
) -> bytes:
    """A data key from its row's columns (read as values or as a DataKey)."""
    return provider().unwrap(
        master_key_id, bytes(wrapped), _context(subject_id, key_class, version)
    )


# The stand-in subject of the compiled key read: no subject has it.
_NO_SUBJECT = uuid.UUID(int=1)


def _load(subject_id: uuid.UUID, key_class: str) -> dict[int, bytes]:
    scope = _scope.get()
    cached = scope.get((subject_id, key_class)) if scope is not None else None
    if cached is not None:
        return cached
    # Asked on every page that shows a person: compiled once per key class
    # (rekisteri/core/compiled.py; DataKey is read from the key store).
    rows = compiled.instances(
        ("keystore.load", key_class),
        lambda sid: DataKey.objects.filter(subject_id=sid, key_class=key_class),
        subject_id,
        model=DataKey,
        stand_in=_NO_SUBJECT,
        field=DataKey._meta.get_field("subject_id"),
    )
    keys: dict[int, bytes] = {}
    destroyed = False
    for row in rows:
        if row.wrapped is None:
            destroyed = True
        else:
            keys[row.version] = _unwrap(row)
    if destroyed:
        keys = {}
    if scope is not None and (keys or destroyed):
        scope[(subject_id, key_class)] = keys
    return keys


@contextmanager
def ensure_scope() -> Iterator[None]:
    """A key scope for this block unless one is already active."""
    if _scope.get() is not None:
        yield
        return
    with key_scope():
        yield


def prefetch(subject_ids: Iterable[uuid.UUID], key_class: str) -> None:
    """Load many subjects' keys into the active scope with one query.

    Reading a page of search results then costs one key-store round trip,
    not one per person. Without an active scope it does nothing.
    """
    scope = _scope.get()
    if scope is None:
        return
    wanted = {sid for sid in subject_ids if (sid, key_class) not in scope}
    if not wanted:
        return
    found: dict[uuid.UUID, dict[int, bytes]] = {}
    destroyed: set[uuid.UUID] = set()
    # Compiled once per process and key class (core/compiled.py); the four
    # columns an unwrap needs as plain rows, not model instances: a page of
    # search results reads forty keys or more.
    rows = compiled.among_rows(
        ("keystore.prefetch", key_class),
        lambda ids: (
            DataKey.objects.using(KEYSTORE_DB)
            .filter(
                idlist.among("subject_id", ids, using=KEYSTORE_DB), key_class=key_class
            )
            .order_by()
            .values_list("subject_id", "version", "master_key_id", "wrapped")
        ),
        list(wanted),
        model=DataKey,
        using=KEYSTORE_DB,
    )
    for subject_id, version, master_key_id, wrapped in rows:
        if wrapped is None:
            destroyed.add(subject_id)
        else:
            found.setdefault(subject_id, {})[version] = _unwrap_columns(
                subject_id, key_class, version, master_key_id, wrapped
            )
    for sid in wanted:
        if sid in destroyed:
            scope[(sid, key_class)] = {}
        elif sid in found:
            scope[(sid, key_class)] = found[sid]


def is_destroyed(subject_id: uuid.UUID, key_class: str) -> bool:
    """The subject's key of ``key_class`` was shredded.

    Inside a key scope that has read the subject's keys the scope knows:
    it holds no keys for a shredded subject (``_load``, and the shreds
    below), so the person page asks the key store once, not three times."""
    scope = _scope.get()
    known = scope.get((subject_id, key_class)) if scope is not None else None
    if known is not None:
        return not known
    return (
        DataKey.objects.using(KEYSTORE_DB)
        .filter(subject_id=subject_id, key_class=key_class, wrapped__isnull=True)
        .exists()
    )


def destroyed_subjects(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> set[uuid.UUID]:
    """Those of ``subject_ids`` whose key of ``key_class`` was shredded."""
    return {sid for sid, _class in destroyed_keys(subject_ids, (key_class,))}


def destroyed_keys(
    subject_ids: Iterable[uuid.UUID], key_classes: Iterable[str]
) -> set[tuple[uuid.UUID, str]]:
    """The (subject, key class) pairs among ``subject_ids`` and
    ``key_classes`` whose key was shredded, with one statement per chunk
    compiled once per process and set of classes (core/compiled.py): every
    retention recompute asks it.

    The statement reads the subjects' keys, live or not, and the shredded
    ones are picked here. Asking the database for ``wrapped IS NULL``
    instead let PostgreSQL plan from how many keys were shredded when the
    table was last analyzed: none, before a sweep, so it walked every
    shredded key and compared each with every id of the batch, a cost that
    grew with the number erased (docs/retention.md, Performance)."""
    classes = tuple(sorted(set(key_classes)))
    found: set[tuple[uuid.UUID, str]] = set()
    for chunk in idlist.chunks(subject_ids, using=KEYSTORE_DB):
        found.update(
            (sid, key_class)
            for sid, key_class, live in compiled.among_rows(
                ("keystore.destroyed_keys", classes),
                lambda ids: (
                    DataKey.objects.using(KEYSTORE_DB)
                    .filter(
                        idlist.among("subject_id", ids, using=KEYSTORE_DB),
                        key_class__in=classes,
                    )
                    .annotate(live=_LIVE)
                    .order_by()
                    .values_list("subject_id", "key_class", "live")
                ),
                chunk,
                model=DataKey,
                using=KEYSTORE_DB,
            )
            if not live
        )
    return found


def subjects_with_key(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> set[uuid.UUID]:
    """Those of ``subject_ids`` that have a key of ``key_class``, live or not."""
    return set(
        DataKey.objects.using(KEYSTORE_DB)
        .filter(subject_id__in=list(subject_ids), key_class=key_class)
        .values_list("subject_id", flat=True)
    )


def key_for_version(subject_id: uuid.UUID, key_class: str, version: int) -> bytes:
    """The key that sealed a value; KeyDestroyed if shredded or missing."""
    key = _load(subject_id, key_class).get(version)
    if key is None:
        raise KeyDestroyed()
    return key


def current_key(subject_id: uuid.UUID, key_class: str) -> tuple[int, bytes]:
    """The newest key of a subject, created on first use.

    Refuses (KeyDestroyed) to create a key for a subject whose key was shredded:
    an erased person cannot be written again under the same id.
    """
    keys = _load(subject_id, key_class)
    if keys:
        version = max(keys)
        return version, keys[version]
    if is_destroyed(subject_id, key_class):
        raise KeyDestroyed()
    return _create(subject_id, key_class)


def _create(subject_id: uuid.UUID, key_class: str) -> tuple[int, bytes]:
    key = secrets.token_bytes(KEY_BYTES)
    p, primary = wrapping_key()
    master_id, wrapped = p.wrap(key, _context(subject_id, key_class, 1), primary)
    try:
        with transaction.atomic(using=KEYSTORE_DB):
            DataKey.objects.using(KEYSTORE_DB).create(
                subject_id=subject_id,
                key_class=key_class,
                version=1,
                master_key_id=master_id,
                wrapped=wrapped,
            )
    except IntegrityError:
        # Another process created it first; use theirs.
        scope = _scope.get()
        if scope is not None:
            scope.pop((subject_id, key_class), None)
        keys = _load(subject_id, key_class)
        if not keys:
            raise KeyDestroyed() from None
        return max(keys), keys[max(keys)]
    scope = _scope.get()
    if scope is not None:
        scope[(subject_id, key_class)] = {1: key}
    return 1, key


def create_keys_bulk(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> dict[uuid.UUID, bytes]:
    """New version-1 keys for many new subjects at once (imports, seeding)."""
    postgres = connections[KEYSTORE_DB].vendor == "postgresql"
    rows, keys = new_keys(subject_ids, key_class, postgres=postgres)
    store_new_keys(rows)
    scope = _scope.get()
    if scope is not None:
        for sid, key in keys.items():
            scope[(sid, key_class)] = {1: key}
    return keys


def new_keys(
    subject_ids: Iterable[uuid.UUID],
    key_class: str,
    *,
    postgres: bool,
    wrap_with: tuple[MasterKeyProvider, str] | None = None,
) -> tuple[list[tuple], dict[uuid.UUID, bytes]]:
    """Version-1 keys for new subjects, wrapped, not yet stored.

    Returns the key-store rows for :func:`store_new_keys` and the plain keys.
    The rows must be stored (and committed) before anything sealed under
    them. The master key is :func:`wrapping_key`'s, which reads the key ring
    every few seconds; a bulk writer that makes keys where it must not use
    the database (a child process) resolves it first and passes it as
    ``wrap_with``. Otherwise nothing here touches a database.
    """
    p, primary = wrapping_key() if wrap_with is None else wrap_with
    now = timezone.now()
    rows, keys = [], {}
    for sid in subject_ids:
        key = secrets.token_bytes(KEY_BYTES)
        master_id, wrapped = p.wrap(key, _context(sid, key_class, 1), primary)
        subject = sid if postgres else sid.hex
        rows.append((subject, key_class, 1, master_id, wrapped, now))
        keys[sid] = key
    return rows, keys


_KEY_COLUMNS = (
    "subject_id",
    "key_class",
    "version",
    "master_key_id",
    "wrapped",
    "created_at",
)


def store_new_keys(rows: list[tuple]) -> None:
    """Insert rows from :func:`new_keys` as plain tuples (``COPY`` on
    PostgreSQL): building a model instance per key costs more than
    wrapping it."""
    if not rows:
        return
    connection = connections[KEYSTORE_DB]
    quote = connection.ops.quote_name
    # The rows of one new_keys() call share their creation time: each
    # distinct one is adapted once, not once per key.
    at = functools.cache(connection.ops.adapt_datetimefield_value)
    with transaction.atomic(using=KEYSTORE_DB):
        write_rows(
            connection,
            quote(DataKey._meta.db_table),
            [quote(DataKey._meta.get_field(name).column) for name in _KEY_COLUMNS],
            [(*row[:-1], at(row[-1])) for row in rows],
        )


def shred(
    subject_id: uuid.UUID,
    key_class: str,
    *,
    reason: str,
    marks: dict[str, list] | None = None,
) -> bool:
    """Destroy every generation of a subject's key for ``key_class``.

    Returns True if key material was destroyed now. Records the erasure in the
    ledger (append-only) so a restore can replay it, with ``marks`` (the
    rights participants' keyed digests, ``core.participants.run_marks_many``),
    and clears the current key scope.
    """
    with transaction.atomic(using=KEYSTORE_DB):
        destroyed = (
            DataKey.objects.using(KEYSTORE_DB)
            .filter(subject_id=subject_id, key_class=key_class, wrapped__isnull=False)
            .update(wrapped=None, destroyed_at=timezone.now())
        )
        if not destroyed and not is_destroyed(subject_id, key_class):
            # Never had a key: leave a tombstone so none is created later.
            DataKey.objects.using(KEYSTORE_DB).create(
                subject_id=subject_id,
                key_class=key_class,
                version=1,
                master_key_id="-",
                wrapped=None,
                destroyed_at=timezone.now(),
            )
        ErasureEntry.objects.using(KEYSTORE_DB).create(
            subject_id=subject_id,
            key_class=key_class,
            reason=reason[:40],
            marks=marks or {},
        )
    scope = _scope.get()
    if scope is not None:
        scope[(subject_id, key_class)] = {}
    # Once the shred is committed, copy the WAL into the database file and
    # truncate it: the destroyed key's old page would otherwise survive in
    # keys.sqlite3-wal until the next automatic checkpoint.
    transaction.on_commit(checkpoint, using=KEYSTORE_DB)
    return bool(destroyed)


# Whether a key row still holds its key material (not shredded).
_LIVE = ExpressionWrapper(Q(wrapped__isnull=False), output_field=BooleanField())


def shred_many(
    subject_ids: Iterable[uuid.UUID],
    key_class: str,
    *,
    reason: str,
    marks: dict[uuid.UUID, dict[str, list]] | None = None,
) -> set[uuid.UUID]:
    """:func:`shred` for many subjects at once (a batch erasure): a fixed
    number of statements per 500 subjects. Returns the subjects whose key
    material was destroyed now; every subject gets its ledger entry (with
    its ``marks``), and one that never had a key a tombstone, exactly as
    :func:`shred` does."""
    ids = list(dict.fromkeys(subject_ids))
    marks = marks or {}
    destroyed: set[uuid.UUID] = set()
    now = timezone.now()
    keys = DataKey.objects.using(KEYSTORE_DB)
    with transaction.atomic(using=KEYSTORE_DB):
        for chunk in idlist.chunks(ids, using=KEYSTORE_DB):
            # Every key of the chunk's subjects, and whether it is live: one
            # read for both what is destroyed now and who never had a key.
            found = compiled.among_rows(
                ("keystore.shred_many", key_class),
                lambda ids: (
                    keys.filter(
                        idlist.among("subject_id", ids, using=KEYSTORE_DB),
                        key_class=key_class,
                    )
                    .annotate(live=_LIVE)
                    .values_list("subject_id", "live")
                ),
                chunk,
                model=DataKey,
                using=KEYSTORE_DB,
            )
            known = {sid for sid, _live in found}
            live = {sid for sid, is_live in found if is_live}
            if live:
                keys.filter(
                    idlist.among("subject_id", list(live), using=KEYSTORE_DB),
                    key_class=key_class,
                    wrapped__isnull=False,
                ).update(wrapped=None, destroyed_at=now)
            destroyed |= live
            # Never had a key: a tombstone, so none is created later.
            keys.bulk_create(
                DataKey(
                    subject_id=sid,
                    key_class=key_class,
                    version=1,
                    master_key_id="-",
                    wrapped=None,
                    destroyed_at=now,
                )
                for sid in chunk
                if sid not in known
            )
            _ledger(
                [
                    ErasureEntry(
                        subject_id=sid,
                        key_class=key_class,
                        erased_at=now,
                        reason=reason[:40],
                        marks=marks.get(sid) or {},
                    )
                    for sid in chunk
                ]
            )
    scope = _scope.get()
    if scope is not None:
        for sid in ids:
            scope[(sid, key_class)] = {}
    transaction.on_commit(checkpoint, using=KEYSTORE_DB)
    return destroyed


def _ledger(entries: list[ErasureEntry]) -> None:
    """A batch's ledger entries, each column's value as ``bulk_create``
    would send it (the field's ``get_db_prep_save``): on PostgreSQL by
    ``COPY`` (the array ``INSERT`` of 500 entries with their marks took
    about 11 ms), on SQLite by one prepared ``INSERT`` run for every entry
    (``bulk_create`` spent about 18 µs an entry compiling its statement)."""
    if not entries:
        return
    connection = connections[KEYSTORE_DB]
    fields = [f for f in ErasureEntry._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # A batch's entries share their key class, time and reason: a value the
    # entry before had (the same object) is prepared once.
    last: list[Any] = [_UNSET] * len(fields)
    prepared: list[Any] = [None] * len(fields)

    def row(entry: ErasureEntry) -> list[Any]:
        out = []
        for i, f in enumerate(fields):
            value = getattr(entry, f.attname)
            if value is not last[i]:
                last[i] = value
                prepared[i] = f.get_db_prep_save(value, connection)
            out.append(prepared[i])
        return out

    write_rows(
        connection,
        quote(ErasureEntry._meta.db_table),
        [quote(f.column) for f in fields],
        (row(e) for e in entries),
    )


_UNSET = object()


def checkpoint() -> tuple[int, int, int] | None:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` on a SQLite key store: (busy,
    WAL pages, pages checkpointed), ``(0, 0, 0)`` when the WAL is emptied.
    None on PostgreSQL, whose WAL the server recycles."""
    connection = connections[KEYSTORE_DB]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Inside a transaction the checkpoint could not copy the open work;
        # the on-commit hook of the shred calls it once that is committed.
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = cursor.fetchone()
    except DatabaseError:
        # The shred itself is committed; a checkpoint that cannot run now
        # (another reader) is repeated by SQLite's automatic checkpoints.
        log.warning("key store WAL checkpoint failed; it runs again later")
        return None
    if row and row[0]:
        log.warning("key store WAL checkpoint was busy; it runs again later")
    return tuple(row) if row else None  # type: ignore[return-value]


# --------------------------------------------------------------------------
# Master key checks and rotation
# --------------------------------------------------------------------------

_CHECK = b"rekisteri master key check"


def _restore_hint() -> str:
    return (
        "Restore the original key file (REKISTERI_MASTER_KEY_FILE, by default "
        "var/keys/master.json, mode 0600) or REKISTERI_MASTER_KEY and "
        "REKISTERI_INDEX_KEY from their backup; never start with a new key over "
        "existing data (docs/security.md, 'Master key file lost')."
    )


def verify_master_key() -> None:
    """Fail with a clear KeyConfigError if the configured key is wrong.

    Each master key id gets a check value the first time it is active; a key
    whose material differs from the one that wrote the check is refused. A
    configuration that unwraps nothing in this key store (an unrelated, freshly
    made key) is refused, and so is one that lacks a master key that live
    data keys are still wrapped by.
    """
    p = provider()
    known = set(p.known_ids())
    checks = list(MasterKeyCheck.objects.using(KEYSTORE_DB).all())
    check_ids = {check.master_key_id for check in checks}
    if check_ids and not check_ids & known:
        raise KeyConfigError(
            f"the configured master key ({', '.join(sorted(known))}) unwraps "
            "nothing in this key store, which was written with "
            f"{', '.join(sorted(check_ids))}. " + _restore_hint()
        )
    for check in checks:
        if check.master_key_id not in known:
            continue
        try:
            value = p.unwrap(check.master_key_id, bytes(check.wrapped_check), b"check")
        except UnwrapError:
            value = b""
        if value != _CHECK.ljust(KEY_BYTES, b"\0"):
            raise KeyConfigError(
                f"master key {check.master_key_id!r} is not the key this key store "
                "was created with; check REKISTERI_MASTER_KEY / the key file. "
                + _restore_hint()
            )
    needed = set(
        DataKey.objects.using(KEYSTORE_DB)
        .filter(wrapped__isnull=False)
        .order_by()
        .values_list("master_key_id", flat=True)
        .distinct()
    )
    missing = needed - known
    if missing:
        what = "unwraps nothing" if not needed & known else "cannot unwrap every key"
        raise KeyConfigError(
            f"the configured master key ({', '.join(sorted(known))}) {what}: "
            f"live data keys are wrapped by {', '.join(sorted(missing))}, which "
            "is not configured. " + _restore_hint()
        )
    new_key = (
        not MasterKeyCheck.objects.using(KEYSTORE_DB)
        .filter(master_key_id=p.active_id)
        .exists()
    )
    if new_key:
        master_id, wrapped = p.wrap(_CHECK.ljust(KEY_BYTES, b"\0"), b"check")
        MasterKeyCheck.objects.using(KEYSTORE_DB).get_or_create(
            master_key_id=master_id, defaults={"wrapped_check": wrapped}
        )
    # A key seen for the first time becomes the primary everywhere; an older
    # configuration starting later does not take it back.
    if new_key or ring_primary(fresh=True) is None:
        set_primary(p.active_id)


def rotate_master(*, batch_size: int = 1000, progress=None) -> int:
    """Re-wrap every live data key under the active master key.

    Makes the active key the key ring's primary first, so running processes
    wrap new keys under it from their next ring check on; then streams in id
    order, one transaction per batch; an interrupted run is finished by
    running it again (rows already re-wrapped are skipped). After waiting
    one ring-check period it makes a last pass for keys that a process
    created under the old key just before it noticed. Field ciphertext is
    untouched: only the wrapping changes.
    """
    p = provider()
    verify_master_key()
    set_primary(p.active_id)
    done = _rewrap(p, batch_size, progress)
    time.sleep(max(0.0, setting("REKISTERI_KEYRING_CHECK_SECONDS")))
    return done + _rewrap(p, batch_size, progress, start=done)


def _rewrap(p: MasterKeyProvider, batch_size: int, progress, start: int = 0) -> int:
    done = 0
    last_id = 0
    while True:
        with transaction.atomic(using=KEYSTORE_DB):
            rows = list(
                DataKey.objects.using(KEYSTORE_DB)
                .select_for_update()
                .filter(id__gt=last_id, wrapped__isnull=False)
                .exclude(master_key_id=p.active_id)
                .order_by("id")[:batch_size]
            )
            if not rows:
                break
            for row in rows:
                key = _unwrap(row)
                row.master_key_id, row.wrapped = p.wrap(
                    key, _context(row.subject_id, row.key_class, row.version)
                )
            DataKey.objects.using(KEYSTORE_DB).bulk_update(
                rows, ["master_key_id", "wrapped"]
            )
        last_id = rows[-1].id
        done += len(rows)
        if progress is not None:
            progress(start + done)
    return done
