"""The databases the settings configure: every SQLite database on the
backend of ours (core/sqlite/base.py), and every connection kept between
requests, the embedded SQLite files' included (opening one per request
cost the person page 40 % of its rate; docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PRINT = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({a: [d['ENGINE'], d.get('CONN_MAX_AGE')] "
    "for a, d in settings.DATABASES.items()}))"
)


def databases(tmp_path: Path, **urls: str) -> dict[str, list]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "KEYSTORE_DATABASE_URL", "DATABASE_REPLICA_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="rekisteri.settings",
        REKISTERI_VAR_DIR=str(tmp_path),
        **urls,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_databases_keep_their_connections(tmp_path):
    found = databases(tmp_path)
    assert set(found) == {"default", "keys"}
    for engine, age in found.values():
        assert engine == "rekisteri.core.sqlite"
        assert age is not None and age >= 60


@pytest.mark.parametrize("scheme", ["sqlite", "postgres"])
def test_databases_by_url_keep_their_connections(tmp_path, scheme):
    if scheme == "sqlite":
        urls = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'main.sqlite3'}",
            "KEYSTORE_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.sqlite3'}",
        }
        engine = "rekisteri.core.sqlite"
    else:
        urls = {
            "DATABASE_URL": "postgres://rekisteri@127.0.0.1:5432/r",
            "DATABASE_REPLICA_URL": "postgres://rekisteri@127.0.0.2:5432/r",
        }
        engine = "django.db.backends.postgresql"
    found = databases(tmp_path, **urls)
    for alias, (found_engine, age) in found.items():
        assert found_engine == engine, alias
        assert age is not None and age >= 60, alias
