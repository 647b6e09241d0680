"""Encrypted, authenticated backups of the main database and the key store.

:mod:`.archive` is the file format (no Django); :mod:`.ops` takes snapshots,
restores them and replays the erasure ledger (docs/security.md, Backups).
"""
