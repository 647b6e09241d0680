"""A PostgreSQL cluster of the bench's own, configured as docs/operations.md
configures a server for a register of a million persons.

``python -m benchmarks.run --pg-cluster`` measures PostgreSQL on it
instead of the machine's shared server: the memory and checkpoint settings
(``shared_buffers``, ``max_wal_size``) belong to a server and take a
restart, so the bench cannot give them to a database on a server that
others use (benchmarks/databases.py applies the database-level ones
there). Here the server is the bench's: a Debian cluster made with
``pg_createcluster`` beside the machine's own (the same PostgreSQL
version), on its own port, its settings in one file of its ``conf.d``.
The report reads the settings in force from the server it ran on, as
for any server (benchmarks.seeding.postgres_settings).

Debian's cluster tools run as root (CI and the development machine do);
elsewhere :func:`ensure` says why it cannot and the bench stops, rather
than measure on another server than the one asked for.
``python -m benchmarks.pgcluster drop`` removes the cluster and its data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NAME = "rekisteri-bench"
PORT = int(os.environ.get("REKISTERI_BENCH_PG_PORT", "5433"))
ETC = Path("/etc/postgresql")

# docs/operations.md, "PostgreSQL for a million persons": the server-level
# rows of its table, for a server of 16 GB dedicated to the register (this
# machine has 24). Connections and autovacuum keep their defaults.
SERVER_SETTINGS = {
    "shared_buffers": "4GB",
    "effective_cache_size": "12GB",
    "random_page_cost": "1.1",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "wal_compression": "on",
    "jit": "off",
    "autovacuum_vacuum_scale_factor": "0.05",
}


class ClusterUnavailable(RuntimeError):
    """The bench's own cluster cannot be made or started here."""


def config_text() -> str:
    """The cluster's ``conf.d`` file."""
    lines = ["# benchmarks/pgcluster.py: docs/operations.md's server settings"]
    lines += [f"{name} = '{value}'" for name, value in SERVER_SETTINGS.items()]
    return "\n".join(lines) + "\n"


def _version() -> str:
    """The PostgreSQL version of the machine's own cluster(s)."""
    versions = sorted(p.name for p in ETC.iterdir()) if ETC.is_dir() else []
    if not versions:
        raise ClusterUnavailable(f"no PostgreSQL cluster configured under {ETC}")
    return versions[-1]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    # The cluster tools, with arguments from this module and no shell.
    return subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603


def _tools() -> None:
    missing = [t for t in ("pg_createcluster", "pg_ctlcluster") if not shutil.which(t)]
    if missing:
        raise ClusterUnavailable(f"Debian's cluster tools are missing: {missing}")
    if os.geteuid() != 0:
        raise ClusterUnavailable("pg_createcluster needs root")


def ensure() -> str:
    """The admin URL of the bench's cluster, made and started if need be,
    its settings file written (a running cluster is restarted when the
    file changed)."""
    _tools()
    version = _version()
    conf_dir = ETC / version / NAME
    if not (conf_dir / "postgresql.conf").exists():
        # What an earlier drop left (pg_dropcluster keeps files it did not
        # make, such as the settings file below) would stop the creation.
        shutil.rmtree(conf_dir, ignore_errors=True)
        made = _run(
            "pg_createcluster", version, NAME, "-p", str(PORT), "--", "--auth=trust"
        )
        if made.returncode:
            raise ClusterUnavailable(f"pg_createcluster: {made.stderr.strip()}")
    conf = conf_dir / "conf.d" / "rekisteri-bench.conf"
    changed = not conf.exists() or conf.read_text() != config_text()
    if changed:
        conf.parent.mkdir(exist_ok=True)
        conf.write_text(config_text())
    if _run("pg_ctlcluster", version, NAME, "status").returncode:
        action = "start"
    else:
        action = "restart" if changed else None  # new settings need a restart
    if action:
        started = _run(
            "pg_ctlcluster", "--skip-systemctl-redirect", version, NAME, action
        )
        if started.returncode:
            raise ClusterUnavailable(
                f"pg_ctlcluster {action}: {started.stderr.strip()}"
            )
    # The port the cluster was made with (an earlier REKISTERI_BENCH_PG_PORT).
    settings = (conf_dir / "postgresql.conf").read_text()
    port = next(
        (
            line.split("=", 1)[1].split("#", 1)[0].strip()
            for line in settings.splitlines()
            if line.split("=", 1)[0].strip() == "port"
        ),
        str(PORT),
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def drop() -> None:
    """Stop the bench's cluster and remove it with its data."""
    _tools()
    version = _version()
    conf_dir = ETC / version / NAME
    if (conf_dir / "postgresql.conf").exists():
        _run("pg_dropcluster", "--stop", version, NAME)
    # pg_dropcluster leaves the settings file it did not make.
    shutil.rmtree(conf_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["drop"]:
        drop()
    elif args in ([], ["ensure"]):
        print(ensure())
    else:
        raise SystemExit("usage: python -m benchmarks.pgcluster [ensure | drop]")


if __name__ == "__main__":
    main()
