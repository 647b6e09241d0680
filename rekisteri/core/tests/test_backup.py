"""Encrypted backups: the segment format, tamper detection, atomic writes,
retention, and a real restore drill with erasure-ledger replay.

The drill makes a real installation in a temporary directory (both SQLite
databases migrated by ``migrate_all``) and drives ``manage.py`` in
subprocesses, as an operator would.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.core.backup import ops
from rekisteri.core.backup.archive import (
    SEGMENT_SIZE,
    ArchiveError,
    ArchiveReader,
    ArchiveWriter,
    read_header,
    verify_stream,
)
from rekisteri.core.crypto.master import LocalMasterKeys
from rekisteri.keystore import keys

ROOT = Path(__file__).resolve().parents[3]
PROVIDER = LocalMasterKeys("bk-1", {"bk-1": bytes(range(32))}, bytes(32))


def _seal(data: bytes, segment_size: int = SEGMENT_SIZE, provider=PROVIDER) -> bytes:
    out = io.BytesIO()
    writer = ArchiveWriter(
        out, kind="data", provider=provider, segment_size=segment_size
    )
    # Uneven pieces, so segment boundaries never line up with the writes.
    for start in range(0, len(data), 7777):
        writer.write(data[start : start + 7777])
    writer.finish({"vendor": "test"})
    return out.getvalue()


def _open(blob: bytes, provider=PROVIDER) -> tuple[bytes, dict]:
    reader = ArchiveReader(io.BytesIO(blob), provider, "test.rkb")
    plain = b"".join(reader.chunks())
    assert reader.manifest is not None
    return plain, reader.manifest


def _records(blob: bytes) -> tuple[int, list[tuple[int, int]]]:
    """End of the header and (start, end) of every record."""
    fh = io.BytesIO(blob)
    read_header(fh, "test.rkb")
    start = fh.tell()
    spans = []
    pos = start
    while pos < len(blob):
        _kind, length = struct.unpack_from(">BI", blob, pos)
        spans.append((pos, pos + 5 + length))
        pos += 5 + length
    return start, spans


# --------------------------------------------------------------------------
# Segment format
# --------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), segment_size=st.integers(1, 700))
def test_any_bytes_round_trip_in_any_segment_size(
    data: bytes, segment_size: int
) -> None:
    out = io.BytesIO()
    writer = ArchiveWriter(
        out, kind="data", provider=PROVIDER, segment_size=segment_size
    )
    for start in range(0, len(data), 333):
        writer.write(data[start : start + 333])
        # Constant memory: never more than one segment is held back.
        assert len(writer._buffer) <= segment_size
    writer.finish({})
    plain, manifest = _open(out.getvalue())
    assert plain == data
    assert manifest["snapshot_size"] == len(data)
    assert manifest["segments"] == max(1, -(-len(data) // segment_size))


@pytest.mark.parametrize(
    ("size", "segments"),
    [(0, 1), (1, 1), (SEGMENT_SIZE, 1), (SEGMENT_SIZE + 1, 2), (3 * SEGMENT_SIZE, 3)],
)
def test_segment_boundaries_at_one_mebibyte(size: int, segments: int) -> None:
    data = os.urandom(size)
    plain, manifest = _open(_seal(data))
    assert plain == data
    assert manifest["segments"] == segments


def test_wrong_master_key_is_refused_by_name() -> None:
    other = LocalMasterKeys("bk-1", {"bk-1": bytes(32)}, bytes(32))
    with pytest.raises(ArchiveError, match=r"test\.rkb: .*master key 'bk-1'"):
        _open(_seal(b"x" * 100), other)


def _tamper_cases() -> dict[str, bytes]:
    blob = _seal(os.urandom(10_000), 1000)
    head, spans = _records(blob)
    assert len(spans) == 11  # ten segments and the manifest
    middle = len(blob) // 2
    flipped = bytearray(blob)
    flipped[middle] ^= 0x01
    # Drop the last data segment but keep the manifest after it.
    last = spans[-2]
    dropped = blob[: last[0]] + blob[last[1] :]
    (a0, a1), (b0, b1) = spans[3], spans[4]
    swapped = blob[:a0] + blob[b0:b1] + blob[a0:a1] + blob[b1:]
    return {
        "flipped byte": bytes(flipped),
        "last segment dropped": dropped,
        "tail cut off": blob[: spans[-1][0]],
        "segments swapped": swapped,
        "header changed": blob.replace(b'"kind":"data"', b'"kind":"keys"'),
        "bytes appended": blob + b"\0",
    }


@pytest.mark.parametrize("case", list(_tamper_cases()))
def test_tampering_truncation_and_reordering_are_detected(case: str) -> None:
    blob = _tamper_cases()[case]
    with pytest.raises(ArchiveError, match=r"^test\.rkb: "):
        verify_stream(io.BytesIO(blob), PROVIDER, "test.rkb")


# --------------------------------------------------------------------------
# Files: verify, atomic writes, list, prune
# --------------------------------------------------------------------------


def _archive(tmp_path: Path, data: bytes, kind: str = "data", **kw) -> Path:
    return ops.write_archive(
        tmp_path,
        kind,
        iter([data]),
        {"vendor": "sqlite"},
        provider=keys.provider(),
        segment_size=1000,
        **kw,
    )


@pytest.mark.parametrize("case", ["flip", "drop", "swap"])
def test_verify_command_names_the_archive_and_fails(tmp_path: Path, case: str) -> None:
    path = _archive(tmp_path, os.urandom(5000))
    call_command("backup", "verify", str(path), stdout=io.StringIO())
    blob = path.read_bytes()
    _head, spans = _records(blob)
    if case == "flip":
        changed = bytearray(blob)
        changed[len(blob) // 2] ^= 0x80
        blob = bytes(changed)
    elif case == "drop":
        blob = blob[: spans[-2][0]] + blob[spans[-2][1] :]
    else:
        (a0, a1), (b0, b1) = spans[1], spans[2]
        blob = blob[:a0] + blob[b0:b1] + blob[a0:a1] + blob[b1:]
    path.write_bytes(blob)
    with pytest.raises(CommandError) as exc:
        call_command("backup", "verify", str(path), stdout=io.StringIO())
    assert str(exc.value).startswith(path.name + ": ")
    assert [a.state for a in ops.list_archives(tmp_path)] == ["unverified"]


def test_an_interrupted_create_leaves_no_complete_looking_archive(
    tmp_path: Path,
) -> None:
    def failing() -> object:
        yield os.urandom(4000)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        ops.write_archive(
            tmp_path,
            "data",
            failing(),
            {},
            provider=keys.provider(),
            segment_size=1000,
        )
    assert list(tmp_path.iterdir()) == []

    # A killed process leaves its partial file behind: list flags it and
    # verify refuses it, also when renamed to look finished.
    partial = tmp_path / "rekisteri-data-20260101T000000Z-deadbeef.rkb.partial"
    with partial.open("wb") as fh:
        writer = ArchiveWriter(
            fh, kind="data", provider=keys.provider(), segment_size=1000
        )
        writer.write(os.urandom(4500))
    [listed] = ops.list_archives(tmp_path)
    assert listed.state == "partial"
    with pytest.raises(ArchiveError, match="incomplete"):
        ops.verify(partial)
    renamed = partial.with_name(partial.name.removesuffix(".partial"))
    partial.rename(renamed)
    with pytest.raises(ArchiveError, match="truncated"):
        ops.verify(renamed)


@pytest.mark.django_db
def test_prune_keeps_recent_archives_and_deletes_old_ones_per_kind(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)

    def made(kind: str, days: int) -> Path:
        return _archive(tmp_path, b"x", kind, created_at=now - timedelta(days=days))

    old_data, new_data = made("data", 91), made("data", 40)
    old_keys, new_keys = made("keys", 36), made("keys", 2)
    out = io.StringIO()
    call_command("backup", "prune", "--dir", str(tmp_path), stdout=out)
    remaining = {p.name for p in tmp_path.glob("*.rkb")}
    assert remaining == {new_data.name, new_keys.name}
    assert old_data.name in out.getvalue() and old_keys.name in out.getvalue()
    call_command(
        "backup", "prune", "--dir", str(tmp_path), "--keep-days", "30",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert {p.name for p in tmp_path.glob("*.rkb")} == {new_keys.name}


@pytest.mark.django_db
def test_prune_forgets_the_ledger_marks_no_backup_left_can_need(
    tmp_path: Path,
) -> None:
    """An erasure's marks (keyed digests of the person's addresses, for the
    replay) go once the erasure is older than every data archive left and
    than the data archives' retention (docs/security.md)."""
    from rekisteri.core.catalogue import KeyClass
    from rekisteri.keystore.models import ErasureEntry
    from rekisteri.keystore.router import KEYSTORE_DB

    now = datetime.now(UTC)
    ages = {uuid.uuid4(): days for days in (100, 50, 0)}
    for sid, days in ages.items():
        keys.shred(sid, KeyClass.CRM, reason="test", marks={"m": [days + 1]})
        ErasureEntry.objects.using(KEYSTORE_DB).filter(subject_id=sid).update(
            erased_at=now - timedelta(days=days)
        )

    def marked() -> set[int]:
        return {
            days
            for sid, days in ages.items()
            for e in keys.ledger_entries()
            if e["subject_id"] == sid and e["marks"]
        }

    _archive(tmp_path, b"x", "data", created_at=now - timedelta(days=60))
    out = io.StringIO()
    call_command("backup", "prune", "--dir", str(tmp_path), stdout=out)
    # The 60-day archive stays (90 days kept): only the erasure older than
    # the retention loses its marks.
    assert marked() == {50, 0}
    assert "forgot the address marks of 1 " in out.getvalue()
    call_command(
        "backup", "prune", "--dir", str(tmp_path), "--keep-days", "30",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert marked() == {0}
    assert [
        e["marks"]
        for e in keys.ledger_entries()
        if e["subject_id"] in ages
        if e["marks"]
    ] == [{"m": [1]}]


@pytest.mark.django_db
def test_prune_deletes_stale_partials_but_not_one_being_written(
    tmp_path: Path,
) -> None:
    stale = tmp_path / "rekisteri-data-20260101T000000Z-0badf00d.rkb.partial"
    fresh = tmp_path / "rekisteri-data-20260102T000000Z-0badf00e.rkb.partial"
    for path in (stale, fresh):
        path.write_bytes(os.urandom(100))
    day_ago = (datetime.now(UTC) - timedelta(hours=25)).timestamp()
    os.utime(stale, (day_ago, day_ago))
    out = io.StringIO()
    call_command("backup", "prune", "--dir", str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name]
    assert stale.name in out.getvalue()
    with pytest.raises(CommandError, match="negative"):
        call_command(
            "backup", "prune", "--dir", str(tmp_path),
            "--partial-grace-hours", "-1", stdout=io.StringIO(),
        )  # fmt: skip


# --------------------------------------------------------------------------
# The restore drill on a real installation
# --------------------------------------------------------------------------

MARKERS = {
    "first_name": "Zebulonbackup",
    "last_name": "Quixotebackup",
    "city": "Backupborough",
    "email": "backupmarker@drill.example",
    "org": "Varmuuskopiomarker Oy",
}

# The erased person's phone in E.164 (the register's "040 765 4311").
GONE_PHONE = "+358407654311"

CREATE = f"""
import json
from rekisteri.testing import make_org
from rekisteri.registry.services import person_create, role_create
m = {MARKERS!r}
org = make_org(name=m["org"])
ids = []
for i in range(3):
    p = person_create(
        actor=None, first_name=m["first_name"], last_name=m["last_name"] + str(i),
        street="Katu 1", city=m["city"], postal_code="00100",
        emails=[str(i) + m["email"]],
        phones=["040 765 43" + str(10 + i)],
    )
    role_create(actor=None, person=p, organization=org, kind="contact", title="CTO")
    ids.append(str(p.pk))
# The message history of the one to be erased: a message of the company
# with them and a colleague in it (matched, with their name and address in
# the headers), one where their address was not matched to them, and one
# keyed to them alone.
import datetime as dt
from rekisteri.core import keyring
from rekisteri.messaging.services import ParticipantIn, message_create, message_store
from rekisteri.registry.models import Person
keep, gone = Person.objects.get(pk=ids[0]), Person.objects.get(pk=ids[1])
at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
with keyring.ensure_scope():
    for n, matched in enumerate((gone, None)):
        message_store(
            actor=None, organization=org, person=None, channel="email",
            direction="in", occurred_at=at + dt.timedelta(minutes=n),
            subject="Sopimus", body="Terveisin",
            headers="From: " + m["last_name"] + "name <1" + m["email"] + ">\\n"
            "To: Keep <0" + m["email"] + ">",
            participants=[
                ParticipantIn(role="from", person=matched, address="1" + m["email"],
                              display_name=m["last_name"] + "name"),
                ParticipantIn(role="to", person=keep, address="0" + m["email"]),
            ],
        )
    # A call from their phone that no one matched to them: no row names
    # them, so after a restore only the ledger's marks find it.
    message_store(
        actor=None, organization=org, person=None, channel="phone",
        direction="in", occurred_at=at + dt.timedelta(minutes=5),
        subject="Soitto", body="Soitti", headers="From: +358407654311",
        participants=[ParticipantIn(role="from", person=None,
                                    address="+358 40 765 4311")],
    )
message_create(actor=None, person=gone, channel="phone", direction="in",
               occurred_at=at, subject="Soitto", body="Soitti")
print(json.dumps(ids))
"""

# Count and checksum every table of the main database; the blind-index rows
# of the subject about to be erased are left out (the replay deletes them).
STATE = """
import hashlib, json
from django.db import connection
skip = {skip!r}
out = {{}}
with connection.cursor() as cur:
    for table in sorted(connection.introspection.table_names()):
        cur.execute('SELECT * FROM "%s" ORDER BY 1' % table)
        rows = [r for r in cur.fetchall()
                if not (table == "core_blindindex" and str(r[2]).replace("-", "")
                        == skip.replace("-", ""))]
        out[table] = [len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()]
print(json.dumps(out))
"""

CHANGE = """
from rekisteri.registry.models import Person
from rekisteri.registry.services import person_update
from rekisteri.rights.erasure import erasure_execute
person_update(actor=None, person=Person.objects.get(pk={keep!r}), city="Muutettu")
erasure_execute(actor=None, person=Person.objects.get(pk={gone!r}), reason="request")
"""

CHECK = """
import json, uuid
from rekisteri.core.models import BlindIndex
from rekisteri.testing import make_staff
from rekisteri.registry.models import Person
from rekisteri.registry.selectors import search
gone = Person.objects.get(pk={gone!r})
keep = Person.objects.get(pk={keep!r})
user = make_staff(username="drill-" + uuid.uuid4().hex[:8])
found = search(user=user, q="0" + {email!r})
from rekisteri.core import keyring
from rekisteri.messaging.models import Message, MessageParticipant
from rekisteri.registry.models import Role
with keyring.ensure_scope():
    headers = [str(m.headers) for m in Message.objects.filter(person=None)]
    addresses = [str(p.address) for p in MessageParticipant.objects.all()]
print(json.dumps({{
    "headers": headers,
    "addresses": addresses,
    "own_messages": Message.objects.filter(person=gone).count(),
    "gone_participations": MessageParticipant.objects.filter(person=gone).count(),
    "gone_roles": Role.objects.filter(person=gone).count(),
    "erased": [getattr(getattr(gone, f), "is_erased", False)
               for f in ("first_name", "last_name", "city")],
    "emails": [getattr(e.email, "is_erased", False) for e in gone.emails.all()],
    "index_rows": BlindIndex.objects.filter(subject_id=gone.pk).count(),
    "keep_city": keep.city,
    "found": [str(p.pk) for p in found.persons],
}}))
"""


def _manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        pytest.fail(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result


def _shell(env: dict, code: str) -> object:
    out = _manage(env, "shell", "-c", code).stdout
    return json.loads(out.strip().splitlines()[-1])


# What the replay of the erasure changes in the restored database: the erased
# person's role (declared deleted), their message participation, own
# message and thread, the scrubbed headers; the retention dates the role's
# end moves.
REPLAYED_TABLES = {
    "contracts_relationshipend",
    "core_blindindex",
    "messaging_message",
    "messaging_messageparticipant",
    "messaging_thread",
    "registry_role",
    "retention_duedate",
}


def _drill(env: dict[str, str], tmp_path: Path) -> None:
    """Back up, change and erase, restore both kinds, check what survives
    (on an installation ``migrate_all`` has made)."""
    keep, gone, _other = _shell(env, CREATE)
    state = _shell(env, CHECK.format(gone=gone, keep=keep, email=MARKERS["email"]))
    assert sum("1" + MARKERS["email"] in h for h in state["headers"]) == 2
    assert sum(GONE_PHONE in h for h in state["headers"]) == 1
    assert state["own_messages"] == 1 and state["gone_roles"] == 1
    before = _shell(env, STATE.format(skip=gone))
    _manage(env, "backup", "create")
    _manage(env, "backup", "create", "--keys")
    data_archive, keys_archive = (
        next((tmp_path / "backups").glob(f"rekisteri-{kind}-*.rkb"))
        for kind in ("data", "keys")
    )

    # No plaintext in the archives: not the encrypted fields, and not what
    # the database holds in the clear either (company name, schema).
    for archive in (data_archive, keys_archive):
        blob = archive.read_bytes()
        for needle in [*MARKERS.values(), "registry_person", "keystore_datakey"]:
            for form in {needle, needle.lower(), needle.upper()}:
                assert form.encode() not in blob, f"{form} in {archive.name}"

    _manage(env, "shell", "-c", CHANGE.format(keep=keep, gone=gone))
    listing = _manage(env, "backup", "list").stdout
    assert listing.count("verified") == 2 and "partial" not in listing

    out = _manage(env, "backup", "restore", str(data_archive), "--yes").stdout
    assert "registry_person: 3 rows" in out
    assert "1 subjects re-erased" in out
    # Every participant's erasure is replayed, not only the key: the rows the
    # erasure deleted are deleted again, the headers scrubbed again.
    # The call no one matched to them is found by the ledger's marks.
    assert "messaging.history.participations 3" in out
    assert "messaging.history.headers_scrubbed 3" in out
    assert "messaging.history.messages_deleted 1" in out
    after = _shell(env, STATE.format(skip=gone))
    changed = {t for t in set(before) | set(after) if before.get(t) != after.get(t)}
    assert changed <= REPLAYED_TABLES, changed
    assert {"messaging_message", "messaging_messageparticipant"} <= changed
    state = _shell(env, CHECK.format(gone=gone, keep=keep, email=MARKERS["email"]))
    assert state["erased"] == [True, True, True]
    assert state["emails"] == [True]
    assert state["index_rows"] == 0
    gone_address = "1" + MARKERS["email"]
    assert len(state["headers"]) == 3
    for headers in state["headers"]:
        assert gone_address not in headers
        assert GONE_PHONE not in headers
        assert MARKERS["last_name"] not in headers
    # The colleague's address stays.
    assert sum("0" + MARKERS["email"] in h for h in state["headers"]) == 2
    assert gone_address not in state["addresses"]
    assert not any("765 4311" in a for a in state["addresses"])
    assert state["addresses"].count("0" + MARKERS["email"]) == 2
    assert state["own_messages"] == 0
    assert state["gone_participations"] == 0
    assert state["gone_roles"] == 0
    # The change made after the backup is undone.
    assert state["keep_city"].lower() == MARKERS["city"].lower()
    assert state["found"] == [keep]

    # The key-store archive predates the shred: restoring it would revive the
    # key, so the ledger is merged back and the key destroyed again.
    _restore_keys_and_check(env, keys_archive, keep=keep, gone=gone)


def _restore_keys_and_check(env: dict, archive: Path, *, keep: str, gone: str) -> None:
    """Restore a key-store archive that predates ``gone``'s erasure: the
    ledger entry is put back, the key destroyed again, the person erased."""
    out = _manage(env, "backup", "restore", str(archive), "--yes").stdout
    assert "1 entries put back" in out
    assert "1 keys destroyed again" in out
    state = _shell(env, CHECK.format(gone=gone, keep=keep, email=MARKERS["email"]))
    assert state["erased"] == [True, True, True]
    assert state["found"] == [keep]


def test_restore_drill_keeps_erasures_and_reproduces_the_backup(
    sqlite_install: dict[str, str], tmp_path: Path
) -> None:
    _drill(sqlite_install, tmp_path)


def test_a_key_store_archive_from_before_an_upgrade_is_migrated_then_replayed(
    sqlite_install: dict[str, str], tmp_path: Path
) -> None:
    """The key-store archive holds the ledger without its marks column (the
    schema before ``keystore.0003``); the restore migrates it before the
    replay, so the ledger is put back and the key destroyed again."""
    env = sqlite_install
    keep, gone, _other = _shell(env, CREATE)
    _manage(env, "migrate", "keystore", "0002", "--database", "keys", "-v0")
    _manage(env, "backup", "create", "--keys")
    _manage(env, "migrate", "keystore", "--database", "keys", "-v0")
    _manage(env, "shell", "-c", CHANGE.format(keep=keep, gone=gone))
    archive = next((tmp_path / "backups").glob("rekisteri-keys-*.rkb"))
    _restore_keys_and_check(env, archive, keep=keep, gone=gone)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the PostgreSQL drill runs when DATABASE_URL points at PostgreSQL",
)
def test_restore_drill_on_postgresql(install_env, tmp_path: Path) -> None:
    import dj_database_url

    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"rk_backup_{uuid.uuid4().hex[:8]}"
    host = base["HOST"] or "127.0.0.1"
    url = f"postgres://{base['USER']}@{host}:{base['PORT'] or 5432}/{name}"
    admin = ["psql", "-h", host, "-U", base["USER"], "-d", "postgres", "-qc"]
    env = {**install_env(tmp_path), "DATABASE_URL": url}
    dbs = [name, f"{name}_keys"]
    for db in dbs:
        subprocess.run([*admin, f'CREATE DATABASE "{db}"'], check=True)
    try:
        _manage(env, "migrate_all", "-v0")
        _drill(env, tmp_path)
    finally:
        for db in dbs:
            subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{db}"'], check=False)


def test_restore_refuses_a_tampered_archive_and_leaves_the_database(
    sqlite_install: dict[str, str], tmp_path: Path
) -> None:
    env = sqlite_install
    _manage(env, "backup", "create")
    [archive] = (tmp_path / "backups").glob("*.rkb")
    blob = bytearray(archive.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    archive.write_bytes(bytes(blob))
    db = tmp_path / "rekisteri.sqlite3"
    mtime = db.stat().st_mtime_ns
    result = _manage(env, "backup", "restore", str(archive), "--yes", check=False)
    assert result.returncode != 0
    assert archive.name in result.stderr and "authentication" in result.stderr
    assert db.stat().st_mtime_ns == mtime


def test_a_killed_create_leaves_only_a_partial_that_prune_removes(
    sqlite_install: dict[str, str], tmp_path: Path
) -> None:
    """SIGKILL a real ``backup create`` while it writes: no archive that
    looks complete, ``list`` says partial, ``verify`` refuses, ``prune``
    removes the leftover once it is past the grace period."""
    import signal
    import sqlite3
    import time

    env = sqlite_install
    # Enough bytes that writing the archive takes a while.
    with sqlite3.connect(tmp_path / "rekisteri.sqlite3") as con:
        con.execute("CREATE TABLE bench_ballast (b BLOB)")
        con.executemany(
            "INSERT INTO bench_ballast VALUES (?)",
            ((os.urandom(1 << 20),) for _ in range(96)),
        )
    backups = tmp_path / "backups"
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "backup", "create"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    partials: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        partials = list(backups.glob("*.partial")) if backups.is_dir() else []
        if partials and partials[0].stat().st_size > 0:
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert partials, "create finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL
    assert list(backups.glob("*.rkb")) == []
    listing = _manage(env, "backup", "list").stdout
    assert "partial" in listing
    result = _manage(env, "backup", "verify", str(partials[0]), check=False)
    assert result.returncode != 0 and "incomplete" in result.stderr
    _manage(env, "backup", "prune")
    assert partials[0].exists()  # younger than the grace period
    _manage(env, "backup", "prune", "--partial-grace-hours", "0")
    assert list(backups.iterdir()) == []
