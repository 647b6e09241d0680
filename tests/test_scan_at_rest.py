"""No plaintext personal data at rest: scan the raw database bytes.

A real installation is made in a temporary directory (both databases migrated
by ``migrate_all``), persons are created through the services with marker
values in every shredded-class field, and the raw bytes of every database
file (SQLite, WAL included) or a pg_dump (PostgreSQL) are searched for the
markers in any case.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKERS = {
    "first_name": "Zebulonmarker",
    "last_name": "Quixotemarker",
    "street": "Fictionalstreetmarker 12",
    "city": "Markerborough",
    "email": "emailmarker@scan.example",
    "title": "Titlemarker",
}
PHONE = ("040 765 4399", "358407654399")
# A sole trader's company data is sealed too (registry/sealing.py).
TRADER = {
    "name": "Soletradermarker Tmi",
    "postal_street": "Tradermarkerstreet 5",
    "business_id": "1234567-1",
}

CREATE = f"""
from rekisteri.testing import make_org
from rekisteri.registry.services import person_create, role_create
m = {MARKERS!r}
org = make_org(name="Skannaus Oy")
make_org(
    sole_trader=True,
    postal_postal_code="00100",
    postal_city="HELSINKI",
    **{TRADER!r},
)
for i in range(3):
    p = person_create(
        actor=None,
        first_name=m["first_name"],
        last_name=m["last_name"] + str(i),
        street=m["street"],
        postal_code="00100",
        city=m["city"],
        emails=[str(i) + m["email"]],
        phones=["{PHONE[0]}"],
    )
    role_create(
        actor=None, person=p, organization=org, kind="contact", title=m["title"]
    )
"""


def _needles() -> list[bytes]:
    words = [*MARKERS.values(), PHONE[1], *TRADER.values(), "1234567"]
    found = set()
    for w in words:
        for form in (w, w.lower(), w.upper(), w.split()[0]):
            found.add(form.encode())
    return sorted(found)


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def _assert_clean(blob: bytes, where: str) -> None:
    hits = [n.decode() for n in _needles() if n in blob]
    assert not hits, f"plaintext markers {hits} found in {where}"


def test_sqlite_files_hold_no_plaintext_markers(
    sqlite_install: dict[str, str], tmp_path: Path
) -> None:
    env = sqlite_install
    _manage(env, "shell", "-c", CREATE)
    files = [p for p in tmp_path.rglob("*.sqlite3*") if p.is_file()]
    assert {p.name for p in files} >= {"rekisteri.sqlite3", "keys.sqlite3"}
    for path in files:
        _assert_clean(path.read_bytes(), path.name)
    # The markers are really there, readable through the application.
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from rekisteri.registry.models import Person; "
            "print(sorted(p.last_name for p in Person.objects.all()))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "Quixotemarker0" in out


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL scan runs when DATABASE_URL points at PostgreSQL",
)
def test_postgresql_dump_holds_no_plaintext_markers(tmp_path: Path) -> None:
    import dj_database_url

    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"rk_scan_{uuid.uuid4().hex[:8]}"
    url = (
        f"postgres://{base['USER']}@{base['HOST'] or '127.0.0.1'}:"
        f"{base['PORT'] or 5432}/{name}"
    )
    admin = ["psql", "-h", base["HOST"] or "127.0.0.1", "-U", base["USER"], "-d"]
    env = {
        **os.environ,
        "REKISTERI_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "rekisteri.settings_test",
        "DATABASE_URL": url,
    }
    env.pop("KEYSTORE_DATABASE_URL", None)
    dbs = [name, f"{name}_keys"]
    for db in dbs:
        subprocess.run(
            [*admin, "postgres", "-qc", f'CREATE DATABASE "{db}"'], check=True
        )
    try:
        _manage(env, "migrate_all", "-v0")
        _manage(env, "shell", "-c", CREATE)
        assert shutil.which("pg_dump"), "pg_dump is needed for the PostgreSQL scan"
        for db in dbs:
            dump = subprocess.run(
                [
                    "pg_dump",
                    "-h",
                    base["HOST"] or "127.0.0.1",
                    "-U",
                    base["USER"],
                    db,
                ],
                check=True,
                capture_output=True,
                timeout=120,
            ).stdout
            assert b"registry_person" in dump or b"keystore_datakey" in dump
            _assert_clean(dump, f"pg_dump of {db}")
    finally:
        for db in dbs:
            subprocess.run(
                [*admin, "postgres", "-qc", f'DROP DATABASE IF EXISTS "{db}"'],
                check=False,
            )
