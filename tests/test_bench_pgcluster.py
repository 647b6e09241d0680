"""The bench's own PostgreSQL cluster runs on what docs/operations.md says."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks import databases, pgcluster

OPERATIONS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
ROW = re.compile(r"^\| `(\w+)` \| `([^`]+)` \|")


def documented() -> dict[str, str]:
    text = OPERATIONS.read_text()
    section = text.split("## PostgreSQL for a million persons", 1)[1].split("\n## ")[0]
    return {m[1]: m[2] for line in section.splitlines() if (m := ROW.match(line))}


def test_the_clusters_settings_are_the_documented_ones():
    docs = documented()
    assert docs, "the settings table of docs/operations.md was not found"
    for name, value in pgcluster.SERVER_SETTINGS.items():
        assert docs.get(name) == value, name
    # Every documented value the server takes is given, but the ones that
    # keep the server's default.
    kept = {"synchronous_commit", "autovacuum"}
    assert set(docs) - kept == set(pgcluster.SERVER_SETTINGS)


def test_the_database_level_settings_agree_with_the_servers():
    # On the shared server the bench sets what a database can take; its
    # values are the documented ones but where the machine is smaller.
    for name, value in databases.DATABASE_SETTINGS.items():
        if name in ("effective_cache_size", "maintenance_work_mem"):
            continue
        assert pgcluster.SERVER_SETTINGS[name] == value, name


def test_the_settings_file_names_each_setting_once():
    lines = [line for line in pgcluster.config_text().splitlines() if "=" in line]
    names = [line.split("=", 1)[0].strip() for line in lines]
    assert sorted(names) == sorted(pgcluster.SERVER_SETTINGS)
    assert "shared_buffers = '4GB'" in lines
