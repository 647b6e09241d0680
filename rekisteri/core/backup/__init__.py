"""Encrypted, authenticated backups of the main database and the key store.

:mod:`.archive` is the file format (no Django); :mod:`.ops` takes snapshots
and restores them; :mod:`.replay` replays the erasure ledger after a
restore (docs/security.md, Backups).
"""
