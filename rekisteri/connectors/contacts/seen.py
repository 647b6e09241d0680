"""The in-file duplicate check of a contact-list import, in constant memory
(docs/connectors.md, Contact lists).

A row is a duplicate when its email or phone was on an earlier row of the
same file. Remembering every address of a file in a Python set costs about
150 bytes per address (the digest object and the set's table), so 28 MB at
100,000 rows. Here the current batch's digests are kept in a set, and the
earlier batches' go to a private temporary SQLite database: SQLite keeps
at most its page cache (2 MB) in memory, writes the rest to a file it
deletes on close (and unlinks at once on POSIX, so it goes with a crash
too), and the lookup is by the table's integer key.

The digest is BLAKE2b keyed with 16 random bytes made for each import and
never stored, cut to 64 bits: what reaches the file cannot be matched to
an address by hashing guesses, and once the import ends not even by this
process. Two addresses sharing a digest (one in about 10^19 per pair) would
report the later row as a duplicate, which the report says it is; nothing
is written for such a row.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3

# Digests per lookup query: under SQLite's bound-parameter limit.
CHUNK = 500


class SeenAddresses:
    """The addresses of the rows read so far; :meth:`flush` after each batch."""

    def __init__(self) -> None:
        self._key = os.urandom(16)
        self._batch: set[int] = set()
        self._db: sqlite3.Connection | None = None

    def digest(self, kind: str, value: str) -> int:
        raw = hashlib.blake2b(
            f"{kind}:{value}".encode(), digest_size=8, key=self._key
        ).digest()
        return int.from_bytes(raw, "big", signed=True)

    def __contains__(self, digest: int) -> bool:
        if digest in self._batch:
            return True
        if self._db is None:
            return False
        return (
            self._db.execute("SELECT 1 FROM seen WHERE k = ?", (digest,)).fetchone()
            is not None
        )

    def earlier(self, digests: list[int]) -> set[int]:
        """Those of ``digests`` that earlier batches flushed: one query per
        :data:`CHUNK` digests instead of one each."""
        if self._db is None:
            return set()
        wanted = list(set(digests))
        found: set[int] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            found.update(
                k
                for (k,) in self._db.execute(
                    f"SELECT k FROM seen WHERE k IN ({marks})",  # noqa: S608 - marks only
                    chunk,
                )
            )
        return found

    def in_batch(self, digest: int) -> bool:
        """Whether a row of the current batch had ``digest``."""
        return digest in self._batch

    def update(self, digests: list[int]) -> None:
        self._batch.update(digests)

    def flush(self) -> None:
        """Move the batch's digests to the scratch database."""
        if not self._batch:
            return
        if self._db is None:
            # "" is SQLite's private temporary on-disk database.
            self._db = sqlite3.connect("", isolation_level=None)
            self._db.execute("CREATE TABLE seen (k INTEGER PRIMARY KEY)")
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR IGNORE INTO seen (k) VALUES (?)", ((d,) for d in self._batch)
        )
        self._db.execute("COMMIT")
        self._batch.clear()

    def close(self) -> None:
        self._batch.clear()
        if self._db is not None:
            self._db.close()
            self._db = None
