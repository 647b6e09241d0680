"""Encrypted backups: create, list, verify, restore, prune (docs/security.md)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.core.backup import ops
from rekisteri.core.backup.archive import ArchiveError
from rekisteri.core.conf import setting
from rekisteri.core.crypto.master import KeyConfigError


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.2f} MB"


class Command(BaseCommand):
    help = (
        "Encrypted, authenticated backups of the main database or (--keys) the "
        "key store: create, list, verify, restore, prune."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="write a new archive")
        create.add_argument(
            "--keys", action="store_true", help="back up the key store instead"
        )
        create.add_argument("--dir", type=Path, default=None)
        listing = sub.add_parser("list", help="archives with kind, date, size")
        listing.add_argument("--dir", type=Path, default=None)
        verify = sub.add_parser("verify", help="authenticate an archive completely")
        verify.add_argument("archive", type=Path)
        restore = sub.add_parser(
            "restore", help="verify, restore and replay the erasure ledger"
        )
        restore.add_argument("archive", type=Path)
        restore.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation"
        )
        prune = sub.add_parser("prune", help="delete archives past their retention")
        prune.add_argument("--keep-days", type=int, default=None)
        prune.add_argument("--keys-keep-days", type=int, default=None)
        prune.add_argument("--dir", type=Path, default=None)
        prune.add_argument(
            "--partial-grace-hours",
            type=float,
            default=ops.PARTIAL_GRACE.total_seconds() / 3600,
            help="delete .partial leftovers older than this (default 24)",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except (ArchiveError, ops.BackupError, KeyConfigError) as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, *, keys: bool, dir: Path | None, **_: Any) -> None:  # noqa: A002
        started = time.monotonic()
        path, manifest = ops.create("keys" if keys else "data", dir)
        took = time.monotonic() - started
        size = manifest["snapshot_size"]
        self.stdout.write(
            f"Wrote {path} ({manifest['kind']}, {_mb(size)} snapshot, "
            f"{len(manifest['tables'])} tables, verified) in {took:.2f} s"
        )

    def _list(self, *, dir: Path | None, **_: Any) -> None:  # noqa: A002
        items = ops.list_archives(dir)
        if not items:
            self.stdout.write("No backups.")
        for item in items:
            when = f"{item.created_at:%Y-%m-%d %H:%M:%S}Z" if item.created_at else "?"
            self.stdout.write(
                f"{item.path.name}  {item.kind:4}  {when}  "
                f"{_mb(item.size):>10}  {item.state}"
            )

    def _verify(self, *, archive: Path, **_: Any) -> None:
        manifest = ops.verify(archive)
        self.stdout.write(
            f"{archive.name}: OK ({manifest['kind']}, {manifest['segments']} "
            f"segments, {_mb(manifest['snapshot_size'])}, sha256 "
            f"{manifest['snapshot_sha256'][:16]}…)"
        )

    def _restore(self, *, archive: Path, yes: bool, **_: Any) -> None:
        if not yes:
            answer = input(
                f"Replace the configured database with {archive.name}? "
                "Stop the application first. Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        started = time.monotonic()
        report = ops.restore(archive)
        took = time.monotonic() - started
        self.stdout.write(f"Restored {archive.name} ({report.kind}) in {took:.2f} s:")
        for table, count in sorted(report.tables.items()):
            self.stdout.write(f"  {table}: {count} rows")
        if report.mismatched:
            self.stderr.write(
                "Row counts differ from the manifest for: "
                + ", ".join(report.mismatched)
            )
        self.stdout.write(
            f"Erasure ledger: {report.ledger_entries_added} entries put back, "
            f"{report.subjects_replayed} subjects re-erased "
            f"({report.keys_destroyed} keys destroyed again, "
            f"{report.index_rows_deleted} blind-index rows deleted)."
        )
        if report.participants:
            self.stdout.write(
                "Replayed by the participants: "
                + ", ".join(f"{k} {n}" for k, n in sorted(report.participants.items()))
                + "."
            )
        if report.mismatched:
            raise CommandError("restored row counts do not match the manifest")

    def _prune(
        self,
        *,
        keep_days: int | None,
        keys_keep_days: int | None,
        dir: Path | None,  # noqa: A002
        partial_grace_hours: float,
        **_: Any,
    ) -> None:
        if partial_grace_hours < 0:
            raise CommandError("--partial-grace-hours cannot be negative")
        if keep_days is None:
            keep_days = setting("REKISTERI_BACKUP_DAYS")
        deleted = ops.prune(
            keep_days,
            keys_keep_days
            if keys_keep_days is not None
            else setting("REKISTERI_BACKUP_KEYS_DAYS"),
            dir,
            partial_grace=timedelta(hours=partial_grace_hours),
        )
        for path in deleted:
            self.stdout.write(f"Deleted {path.name}")
        forgotten = ops.forget_marks(keep_days, dir)
        self.stdout.write(
            f"Pruned {len(deleted)} archives; forgot the address marks of "
            f"{forgotten} erasure-ledger entries no backup left can need."
        )
