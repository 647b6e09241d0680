"""Create, list, verify, restore and prune backup archives (docs/security.md, Backups).

A "data" archive holds the main database, a "keys" archive the key store;
they are separate so the key store can be kept for a shorter time: once the
last key-store archive holding a shredded key has been pruned, the person's
data in every data archive is unreadable.

After any restore the erasure ledger of the live key store is replayed
(:mod:`.replay`), so a person erased after the backup was taken stays
erased: their keys, blind-index rows and every participant's data.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from rekisteri.core import keyring
from rekisteri.core.backup import replay
from rekisteri.core.backup.archive import (
    ArchiveError,
    ArchiveReader,
    ArchiveWriter,
    Header,
    read_header,
    verify_stream,
)
from rekisteri.core.conf import setting
from rekisteri.core.crypto.master import MasterKeyProvider
from rekisteri.core.files import PRIVATE_DIR, make_private
from rekisteri.core.keyring import KEYSTORE_DB

SUFFIX = ".rkb"
PARTIAL = ".partial"
# A partial file older than this is a leftover of a killed ``create``.
PARTIAL_GRACE = timedelta(hours=24)
VERIFIED = ".verified"
CHUNK = 1024 * 1024
ALIAS = {"data": "default", "keys": KEYSTORE_DB}


class BackupError(Exception):
    """A backup operation failed; the message says which archive and why."""


def backup_dir() -> Path:
    """Where archives go unless ``--dir`` says otherwise."""
    return Path(setting("REKISTERI_BACKUP_DIR"))


def _provider() -> MasterKeyProvider:
    return keyring.provider()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        # Names come from the database's own catalogue, quoted.
        return {
            n: con.execute(f"SELECT COUNT(*) FROM {_quote(n)}").fetchone()[0]  # noqa: S608
            for n in names
        }
    finally:
        con.close()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@contextlib.contextmanager
def _sqlite_snapshot(db: dict[str, Any]) -> Iterator[tuple[Iterator[bytes], dict]]:
    """A consistent copy via the online backup API, in a 0600 temp file.

    The copy sits next to the database, so plaintext never lands anywhere the
    database itself does not, and is deleted afterwards.
    """
    source = Path(db["NAME"])
    fd, tmp_name = tempfile.mkstemp(
        dir=source.parent, prefix=f".{source.name}.", suffix=".snapshot"
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        counts = _sqlite_counts(tmp)

        def chunks() -> Iterator[bytes]:
            with tmp.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk

        yield chunks(), counts
    finally:
        _remove_sqlite_files(tmp)


def _tool(name: str) -> str:
    """Absolute path of a PostgreSQL client program, or a clear error."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed or not on PATH")
    return found


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _pg_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "ORDER BY tablename"
    )
    names = [r[0] for r in cursor.fetchall()]
    counts = {}
    for n in names:
        # Names come from the database's own catalogue, quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(n)}")  # noqa: S608
        counts[n] = cursor.fetchone()[0]
    return counts


@contextlib.contextmanager
def _pg_snapshot(db: dict[str, Any]) -> Iterator[tuple[Iterator[bytes], dict]]:
    """pg_dump of an exported snapshot, streamed without a plaintext file.

    Row counts are taken in the same REPEATABLE READ snapshot the dump uses,
    so the manifest describes exactly what the dump holds.
    """
    import psycopg

    args, env = _pg_args(db)
    with psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as con:
        # Explicit BEGIN (autocommit on) so the isolation level is really set.
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with con.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = _pg_counts(cur)
        proc = subprocess.Popen(  # noqa: S603 - fixed program, no shell
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                *args,
                "-d",
                str(db["NAME"]),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )

        def chunks() -> Iterator[bytes]:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(CHUNK):
                yield chunk
            _stdout, err = proc.communicate()
            if proc.returncode != 0:
                raise BackupError(
                    f"pg_dump failed ({proc.returncode}): "
                    f"{err.decode(errors='replace').strip()[:500]}"
                )

        try:
            yield chunks(), counts
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            con.execute("ROLLBACK")


def _snapshot(alias: str) -> contextlib.AbstractContextManager:
    db = settings.DATABASES[alias]
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return _sqlite_snapshot(db)
    if vendor == "postgresql":
        return _pg_snapshot(db)
    raise BackupError(f"backups of {vendor} databases are not supported")


# --------------------------------------------------------------------------
# Create
# --------------------------------------------------------------------------


def _ledger_max_id() -> int:
    return keyring.ledger_max_id()


def archive_name(kind: str, created_at: datetime, archive_id: str) -> str:
    return f"rekisteri-{kind}-{created_at:%Y%m%dT%H%M%SZ}-{archive_id[:8]}{SUFFIX}"


def write_archive(
    dest_dir: Path,
    kind: str,
    chunks: Iterator[bytes],
    manifest: dict[str, Any],
    *,
    provider: MasterKeyProvider,
    created_at: datetime | None = None,
    segment_size: int | None = None,
) -> Path:
    """Encrypt ``chunks`` into ``dest_dir``; atomic: partial until complete.

    The archive is written as ``NAME.partial`` and renamed only after its
    last byte and the directory entry are on disk, so a crash or an error
    never leaves a file that looks like a finished backup. On an error the
    partial file is removed; after a kill it stays, and ``list`` flags it.
    """
    dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    make_private(dest_dir, PRIVATE_DIR)
    created_at = created_at or datetime.now(UTC)
    archive_id = uuid.uuid4().hex
    final = dest_dir / archive_name(kind, created_at, archive_id)
    partial = final.with_name(final.name + PARTIAL)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            extra = {"segment_size": segment_size} if segment_size else {}
            writer = ArchiveWriter(
                fh,
                kind=kind,
                provider=provider,
                created_at=created_at,
                archive_id=archive_id,
                **extra,
            )
            for chunk in chunks:
                writer.write(chunk)
            writer.finish(manifest)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, final)
        _fsync_dir(dest_dir)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return final


def create(kind: str = "data", dest_dir: Path | None = None) -> tuple[Path, dict]:
    """Snapshot the main database (``data``) or the key store (``keys``)."""
    alias = ALIAS[kind]
    dest_dir = dest_dir or backup_dir()
    db = settings.DATABASES[alias]
    ledger_max = _ledger_max_id()
    with _snapshot(alias) as (chunks, counts):
        manifest = {
            "vendor": connections[alias].vendor,
            "database": Path(str(db["NAME"])).name,
            "tables": counts,
            "ledger_max_id": ledger_max,
        }
        path = write_archive(dest_dir, kind, chunks, manifest, provider=_provider())
    manifest = verify(path)
    return path, manifest


# --------------------------------------------------------------------------
# List and verify
# --------------------------------------------------------------------------


@dataclass
class Listed:
    """One archive as ``list`` shows it (from its header only)."""

    path: Path
    kind: str
    created_at: datetime | None
    size: int
    state: str  # "verified", "unverified", "partial" or "unreadable"


def _marker(path: Path) -> Path:
    return path.with_name(path.name + VERIFIED)


def list_archives(directory: Path | None = None) -> list[Listed]:
    """Every archive and partial in ``directory``, oldest first."""
    directory = directory or backup_dir()
    found: list[Listed] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        name = path.name
        if not (name.endswith(SUFFIX) or name.endswith(SUFFIX + PARTIAL)):
            continue
        size = path.stat().st_size
        try:
            with path.open("rb") as fh:
                header: Header | None = read_header(fh, name)
        except ArchiveError:
            header = None
        if name.endswith(PARTIAL):
            state = "partial"
        elif header is None:
            state = "unreadable"
        else:
            state = "verified" if _is_verified(path, size) else "unverified"
        found.append(
            Listed(
                path=path,
                kind=header.kind if header else "?",
                created_at=header.created_at if header else None,
                size=size,
                state=state,
            )
        )
    found.sort(key=lambda a: a.created_at or datetime.min.replace(tzinfo=UTC))
    return found


def _is_verified(path: Path, size: int) -> bool:
    try:
        marker = json.loads(_marker(path).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("size") == size


def verify(path: Path) -> dict[str, Any]:
    """Authenticate every byte of an archive; its manifest, or ArchiveError."""
    path = Path(path)
    if path.name.endswith(PARTIAL):
        raise ArchiveError(
            f"{path.name}: incomplete backup (interrupted while being written)"
        )
    try:
        with path.open("rb") as fh:
            manifest = verify_stream(fh, _provider(), path.name)
    except OSError as exc:
        raise ArchiveError(f"{path.name}: cannot be read ({exc.strerror})") from None
    except ArchiveError:
        _marker(path).unlink(missing_ok=True)
        raise
    # The marker only feeds `list`; a read-only archive directory (a mounted
    # off-site copy) must not turn a successful verification into an error.
    with contextlib.suppress(OSError):
        _marker(path).write_text(
            json.dumps(
                {
                    "verified_at": datetime.now(UTC).isoformat(),
                    "size": path.stat().st_size,
                }
            )
        )
    return manifest


# --------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------


@dataclass
class RestoreReport:
    """What a restore did, for the operator."""

    kind: str
    tables: dict[str, int]
    mismatched: list[str]
    ledger_entries_added: int
    subjects_replayed: int
    keys_destroyed: int
    index_rows_deleted: int
    # What the participants' replays did (:mod:`.replay`), by name.
    participants: dict[str, int] = field(default_factory=dict)


def _decrypted(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        reader = ArchiveReader(fh, _provider(), path.name)
        yield from reader.chunks()


def _restore_sqlite(
    path: Path, db: dict[str, Any], expected: dict[str, int]
) -> dict[str, int]:
    """Write the snapshot next to the database, then swap it in atomically.

    The copy's row counts are checked against the manifest before the swap,
    so a snapshot that does not match leaves the live database untouched.
    """
    target = Path(db["NAME"])
    tmp = target.with_name(f".{target.name}.restore")
    _remove_sqlite_files(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in _decrypted(path):
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        counts = _sqlite_counts(tmp)
        if counts != expected:
            raise BackupError(
                f"{path.name}: restored row counts differ from the manifest; "
                "the database was not replaced"
            )
        # No connection may keep the old file (or its WAL) open: a stale WAL
        # replayed onto the new file would corrupt it.
        connections.close_all()
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        _remove_sqlite_files(tmp)
    return counts


def _pg_admin(db: dict[str, Any]) -> Any:
    """An autocommit connection to the server's maintenance database."""
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def _pg_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_counts_of(db: dict[str, Any], name: str) -> dict[str, int]:
    import psycopg

    with (
        psycopg.connect(
            dbname=name,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
        ) as con,
        con.cursor() as cur,
    ):
        return _pg_counts(cur)


def _restore_pg(
    path: Path, db: dict[str, Any], expected: dict[str, int]
) -> dict[str, int]:
    """Restore into a scratch database, check it, then swap it in.

    The archive is loaded into ``<name>_restore`` while the live database
    keeps serving; only when the scratch copy's row counts equal the
    manifest is the live database renamed away and the copy renamed into its
    place (then the old one is dropped). A failed or mismatching restore
    leaves the live database untouched. Needs the CREATEDB right; database
    level grants and settings are not part of a pg_dump and must be
    re-applied by the operator (docs/security.md, runbook).
    """
    target = str(db["NAME"])
    scratch, old = f"{target}_restore", f"{target}_pre_restore"
    args, env = _pg_args(db)
    with _pg_admin(db) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {_pg_ident(scratch)}")
        admin.execute(f"CREATE DATABASE {_pg_ident(scratch)} TEMPLATE template0")
    try:
        proc = subprocess.Popen(  # noqa: S603 - fixed program, no shell
            [
                _tool("pg_restore"),
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                "-d",
                scratch,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdin is not None
        try:
            for chunk in _decrypted(path):
                proc.stdin.write(chunk)
            proc.stdin.close()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        err = proc.stderr.read() if proc.stderr else b""
        if proc.wait() != 0:
            raise BackupError(
                f"{path.name}: pg_restore failed ({proc.returncode}); the "
                "database was not replaced: "
                f"{err.decode(errors='replace').strip()[:500]}"
            )
        counts = _pg_counts_of(db, scratch)
        if counts != expected:
            raise BackupError(
                f"{path.name}: restored row counts differ from the manifest; "
                "the database was not replaced"
            )
        connections.close_all()
        with _pg_admin(db) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [target],
            )
            admin.execute(f"DROP DATABASE IF EXISTS {_pg_ident(old)}")
            admin.execute(
                f"ALTER DATABASE {_pg_ident(target)} RENAME TO {_pg_ident(old)}"
            )
            try:
                admin.execute(
                    f"ALTER DATABASE {_pg_ident(scratch)} RENAME TO {_pg_ident(target)}"
                )
            except Exception:
                admin.execute(
                    f"ALTER DATABASE {_pg_ident(old)} RENAME TO {_pg_ident(target)}"
                )
                raise
            admin.execute(f"DROP DATABASE {_pg_ident(old)}")
        return counts
    finally:
        with _pg_admin(db) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {_pg_ident(scratch)}")


def restore(path: Path) -> RestoreReport:
    """Verify, restore into the configured database, replay the erasures."""
    path = Path(path)
    manifest = verify(path)
    kind = manifest["kind"]
    alias = ALIAS[kind]
    vendor = connections[alias].vendor
    if manifest.get("vendor") != vendor:
        raise BackupError(
            f"{path.name}: a {manifest.get('vendor')} backup cannot be restored "
            f"into a {vendor} database"
        )
    ledger = replay.live_ledger() if kind == "keys" else []
    db = settings.DATABASES[alias]
    if vendor == "sqlite":
        counts = _restore_sqlite(path, db, manifest.get("tables", {}))
    else:
        counts = _restore_pg(path, db, manifest.get("tables", {}))
    keyring.reset_provider()
    # An archive made before an upgrade holds the older schema: it is
    # migrated before the replay, which reads it with today's code (the
    # ledger's marks, say). Nothing is left to migrate for a current one.
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    added = replay.merge_ledger(ledger) if kind == "keys" else 0
    replayed = replay.replay_ledger()
    expected = manifest.get("tables", {})
    mismatched = sorted(
        t for t in set(expected) | set(counts) if expected.get(t) != counts.get(t)
    )
    return RestoreReport(
        kind=kind,
        tables=counts,
        mismatched=mismatched,
        ledger_entries_added=added,
        subjects_replayed=replayed.subjects,
        keys_destroyed=replayed.keys_destroyed,
        index_rows_deleted=replayed.index_rows_deleted,
        participants=replayed.participants,
    )


# --------------------------------------------------------------------------
# Prune
# --------------------------------------------------------------------------


def prune(
    keep_days: int,
    keys_keep_days: int,
    directory: Path | None = None,
    *,
    now: datetime | None = None,
    on_delete: Callable[[Path], None] | None = None,
    partial_grace: timedelta = PARTIAL_GRACE,
) -> list[Path]:
    """Delete archives older than their kind's retention; the deleted paths.

    Age comes from the authenticated-at-verify header, not the file time, so
    copying archives around does not make them look new. A ``.partial`` file
    (left by a killed ``create``) has no trustworthy header; it is deleted
    once its file time is older than ``partial_grace``, so a backup still
    being written is never touched.
    """
    now = now or datetime.now(UTC)
    limits = {
        "data": now - timedelta(days=keep_days),
        "keys": now - timedelta(days=keys_keep_days),
    }
    deleted = []
    for item in list_archives(directory):
        if item.state == "partial":
            try:
                mtime = datetime.fromtimestamp(item.path.stat().st_mtime, UTC)
            except FileNotFoundError:
                continue  # finished or removed since the listing
            expired = mtime < now - partial_grace
        elif item.created_at is None or item.kind not in limits:
            continue
        else:
            expired = item.created_at < limits[item.kind]
        if expired:
            item.path.unlink(missing_ok=True)
            _marker(item.path).unlink(missing_ok=True)
            deleted.append(item.path)
            if on_delete:
                on_delete(item.path)
    return deleted


def forget_marks(
    keep_days: int, directory: Path | None = None, *, now: datetime | None = None
) -> int:
    """Empty the erasure ledger's marks that no restore can need any more;
    how many entries. A mark (a keyed digest of an erased person's address,
    :mod:`.replay`) is needed while a data archive older than the erasure
    may be restored: it is forgotten once the erasure is older than every
    data archive left in ``directory`` and older than the data archives'
    retention (``keep_days``), which bounds a copy kept elsewhere too."""
    now = now or datetime.now(UTC)
    oldest = min(
        (
            item.created_at
            for item in list_archives(directory)
            if item.kind == "data" and item.created_at is not None
        ),
        default=now,
    )
    return keyring.ledger_forget_marks(min(oldest, now - timedelta(days=keep_days)))
