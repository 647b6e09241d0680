"""docs/benchmarks.md from fixed results: encrypted beside the plaintext run."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from benchmarks import domains, report, run

MACHINE = {
    "date": "2026-11-28 14:55 UTC",
    "cpus": 2,
    "cpu_model": "Test CPU",
    "memory_gib": 8,
    "os": "Linux",
    "python": "3.11.7",
    "django": "5.2",
    "sqlite": "3.40.1",
    "postgresql": "15.20",
}


def lookup(label: str, p95: float) -> dict[str, Any]:
    stats = {"p50_ms": p95 / 2, "p95_ms": p95}
    return {
        "label": label,
        "app": stats,
        "baseline": {"p50_ms": 0.5, "p95_ms": 0.7},
        "queries": 4,
        "baseline_queries": 1,
        "overhead_p50": 1.0,
        "overhead_p95": round(p95 / 0.7, 1),
        "found": 1.0,
    }


def case(
    database: str,
    size: int,
    *,
    pps: int,
    email: float,
    page: float,
    rps: float,
    mode: str | None = None,
    two_words: float | None = None,
) -> dict[str, Any]:
    lookups = {
        "email": lookup("Exact search by email", email),
        "name_prefix": lookup("Name prefix (3 letters), first page of 20", 12.0),
    }
    if two_words is not None:
        lookups["name_two_words"] = lookup("Two-word name search", two_words)
    lookups["person_page"] = lookup("Person page, in-process", page)
    result: dict[str, Any] = {
        "database": database,
        "size": size,
        "date": "2026-11-28 15:00 UTC",
        "load_average_start": 1.0,
        "load_average_end": 1.5,
        "notes": [],
        "seed": {
            "organizations": size // 5,
            "persons": size,
            "rows": size * 5,
            "seconds": size / pps,
            "persons_per_second": pps,
            "persons_per_second_at_end": pps,
            "batch_size": 5000,
            "database_mib": 40 if mode != "plaintext" else 30,
        },
        "lookups": lookups,
        "http": {
            "server": "gunicorn, 2 sync workers",
            "connections": 8,
            "duration_s": 10,
            "person_page": {
                "tool": "wrk",
                "requests_per_second": rps,
                "p50_ms": 50.0,
                "p95_ms": 80.0,
                "errors": 0,
            },
            "baseline": {
                "tool": "wrk",
                "requests_per_second": 900.0,
                "p50_ms": 5.0,
                "p95_ms": 9.0,
                "errors": 0,
            },
        },
    }
    if mode is not None:
        result["mode"] = mode
    return result


@pytest.fixture(autouse=True)
def no_domain_figures(monkeypatch) -> None:
    """The domain block reads var/bench; these tests are about the register."""
    monkeypatch.setattr(domains, "block", lambda var_dir=None: "")


def render(runs: list[dict[str, Any]]) -> str:
    return report.render({"machine": MACHINE, "runs": runs})


def section(text: str, title: str) -> str:
    """The text from ``title`` to the next heading of the same level."""
    start = text.index(title)
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else None]


def test_old_results_without_a_mode_render_as_encrypted() -> None:
    old = case("sqlite", 10_000, pps=1500, email=4.0, page=20.0, rps=130.0)
    text = render([old])
    part = section(text, "### SQLite, 10,000 persons")
    assert "**1,500 persons/s**" in part
    assert "with encryption ≥ 5,000: **missed**" in part
    assert "Not measured: no plaintext run of this size." in part
    assert (
        "| Person page p95: ≤ 1.3× plaintext | SQLite | 10,000 | no plaintext run"
        in (text)
    )
    assert "| Seeding with encryption: ≥ 5,000 persons/s | SQLite | 10,000 | 1,500" in (
        text
    )


def test_the_comparison_table_puts_both_runs_side_by_side() -> None:
    enc = case("sqlite", 10_000, pps=1500, email=4.0, page=20.0, rps=130.0)
    plain = case(
        "sqlite",
        10_000,
        pps=6000,
        email=2.0,
        page=18.0,
        rps=143.0,
        mode="plaintext",
    )
    plain["seed"]["data_keys"] = 0
    enc["seed"]["data_keys"] = 10_000
    text = render([enc, plain])  # enc has no mode: an old-format run
    part = section(text, "### SQLite, 10,000 persons")
    assert "#### Against the plaintext baseline" in part
    assert (
        "| Seeding, persons/s | 1,500 | 6,000 | 4.00× | ≥ 5,000 (encrypted) "
        "| **missed** |" in part
    )
    assert (
        "| Exact search by email, p95 ms | 4.00 | 2.00 | 2.00× | ≤ 2 ms (encrypted) "
        "| **missed** |" in part
    )
    assert (
        "| Person page, in-process, p95 ms | 20.0 | 18.0 | 1.11× | ≤ 1.3× plaintext "
        "| met |" in part
    )
    assert (
        "| Person page over HTTP, requests/s | 130 | 143 | 1.10× | ≥ plaintext ÷ 1.3 "
        "| met |" in part
    )
    assert "| Database size, MiB | 40 | 30 | 1.33× | | |" in part
    assert "10,000 encrypted, 0 plaintext" in part
    # The plaintext run is not rendered as a register of its own.
    assert text.count("### SQLite, 10,000 persons") == 1
    # The summary gets the ≤ 1.3× rows from the same pair.
    assert (
        "| Person page p95: ≤ 1.3× plaintext | SQLite | 10,000 | 1.11× "
        "(20.0 vs 18.0 ms) | met |" in text
    )
    assert (
        "| Person page over HTTP: ≥ plaintext ÷ 1.3 | SQLite | 10,000 | 1.10× "
        "(130 vs 143 req/s) | met |" in text
    )
    assert "Encryption against the plaintext register" not in text
    assert "**Each register beside a plaintext baseline.**" in text


def test_a_ratio_above_the_target_is_missed() -> None:
    enc = case(
        "postgresql",
        100_000,
        pps=3200,
        email=2.5,
        page=40.0,
        rps=60.0,
        mode="encrypted",
    )
    plain = case(
        "postgresql",
        100_000,
        pps=4000,
        email=2.0,
        page=20.0,
        rps=100.0,
        mode="plaintext",
    )
    text = render([enc, plain])
    part = section(text, "### PostgreSQL, 100,000 persons")
    assert "| 2.00× | ≤ 1.3× plaintext | **missed** |" in part
    assert "| 60 | 100 | 1.67× | ≥ plaintext ÷ 1.3 | **missed** |" in part
    assert (
        "| Seeding, persons/s | 3,200 | 4,000 | 1.25× | ≥ 5,000 (encrypted) "
        "| **missed** |" in part
    )
    # PostgreSQL's exact-search target is 3 ms.
    assert "| 2.50 | 2.00 | 1.25× | ≤ 3 ms (encrypted) | met |" in part


def test_a_new_lookup_is_rendered_without_a_change_here() -> None:
    enc = case(
        "sqlite", 10_000, pps=3500, email=1.5, page=20.0, rps=130.0, two_words=9.0
    )
    plain = case(
        "sqlite",
        10_000,
        pps=6000,
        email=1.0,
        page=18.0,
        rps=143.0,
        mode="plaintext",
        two_words=3.0,
    )
    part = section(render([enc, plain]), "### SQLite, 10,000 persons")
    assert "| Two-word name search, p95 ms | 9.00 | 3.00 | 3.00× |  |  |" in part
    assert "| Two-word name search | 4.50 | 9.00 |" in part


def test_a_failed_or_missing_side_is_said_so() -> None:
    enc = case("sqlite", 10_000, pps=3500, email=1.5, page=20.0, rps=130.0)
    failed = {
        "database": "sqlite",
        "size": 10_000,
        "mode": "plaintext",
        "failed": "the run failed (exit status 1)",
    }
    text = render([enc, failed])
    assert "Plaintext run failed: the run failed (exit status 1)." in text
    only_plain = case(
        "postgresql",
        10_000,
        pps=6000,
        email=1.0,
        page=18.0,
        rps=143.0,
        mode="plaintext",
    )
    text = render([only_plain])
    assert "### PostgreSQL, 10,000 persons (plaintext baseline only)" in text
    # A plaintext-only register is no evidence for the encrypted targets.
    assert "## Targets" in text and "PostgreSQL | 10,000" not in text


def test_store_keeps_one_run_per_database_size_and_mode() -> None:
    old = case("sqlite", 10_000, pps=1500, email=4.0, page=20.0, rps=130.0)
    results: dict[str, Any] = {"runs": [old]}
    plain = case(
        "sqlite", 10_000, pps=6000, email=2.0, page=18.0, rps=143.0, mode="plaintext"
    )
    run.store(results, plain)
    assert [report.mode_of(r) for r in results["runs"]] == ["encrypted", "plaintext"]
    newer = copy.deepcopy(old)
    newer["mode"] = "encrypted"
    newer["seed"]["persons_per_second"] = 1600
    run.store(results, newer)
    assert len(results["runs"]) == 2
    assert results["runs"][0]["seed"]["persons_per_second"] == 1600


def test_modes_default_to_both_encrypted_first() -> None:
    assert run.parse_args([]).modes == ["encrypted", "plaintext"]
    assert run.parse_args(["--modes", "plaintext,encrypted"]).modes == [
        "encrypted",
        "plaintext",
    ]
    assert run.parse_args(["--modes", "plaintext"]).modes == ["plaintext"]
    with pytest.raises(SystemExit):
        run.parse_args(["--modes", "clear"])


def test_the_header_search_is_reported_against_its_selector_per_kind() -> None:
    run = case("sqlite", 10_000, pps=1500, email=4.0, page=20.0, rps=130.0)
    for kind, (request, selector) in {
        "name": (5.0, 3.0),
        "email": (4.0, 1.0),
        "customer_number": (1.5, 0.5),
    }.items():
        m = lookup(f"Header search over the request ({kind})", request * 2)
        m["baseline"] = {"p50_ms": selector, "p95_ms": selector * 2}
        m["overhead_p50"] = round(request / selector, 1)
        run["lookups"][f"search_request_{kind}"] = m
    part = section(render([run]), "### SQLite, 10,000 persons")
    assert "| name | 5.00 | 3.00 | 1.7× | 2.00 | ≤ 2× | met |" in part
    assert "| email | 4.00 | 1.00 | 4.0× | 3.00 | ≤ 2× | **missed** |" in part
    assert "| customer number | 1.50 | 0.50 | 3.0× | 1.00 | ≤ 2× | **missed** |" in part
    # The full table names the selector as the baseline of every kind.
    assert part.count("`selectors.search(…)`, the same query") == 3


def test_a_regenerated_page_keeps_what_its_results_lack(monkeypatch, tmp_path) -> None:
    """A run of some sizes and domains keeps the old page's other sizes
    (and their target rows when larger), other domains, the old
    subsections of a domain it measured again, and hand-written sections."""
    from benchmarks import carry

    def domain_block(*sections: str):
        body = "".join(sections)
        return lambda var_dir=None: f"{domains.START}\n\n{body}{domains.END}\n"

    small = case("sqlite", 10_000, pps=1500, email=1.0, page=9.0, rps=300.0)
    large = case("sqlite", 1_000_000, pps=900, email=1.5, page=14.0, rps=200.0)
    monkeypatch.setattr(
        domains,
        "block",
        domain_block(
            "## Retention\n\nOLD TABLE\n\n### 2026-12-01: by hand\n\nkept text\n\n",
            "## PRH bulk import\n\nPRH TABLE\n\n",
        ),
    )
    old = render([small, large])
    old = old.replace(
        "## What is measured", "## 2026-12-02: between\n\nmine\n\n## What is measured"
    )
    old += "\n## 2026-12-03: at the end\n\nalso mine\n"
    monkeypatch.setattr(
        domains,
        "block",
        domain_block("## Retention\n\nNEW TABLE\n\n"),
    )
    newer = case("sqlite", 10_000, pps=2500, email=1.0, page=9.0, rps=300.0)
    doc = tmp_path / "benchmarks.md"
    doc.write_text(old)
    run.write_report(doc, {"machine": MACHINE, "runs": [newer]})
    page = doc.read_text()

    assert "**2,500 persons/s**" in section(page, "### SQLite, 10,000 persons")
    kept = section(page, "### SQLite, 1,000,000 persons")
    assert carry.KEPT_NOTE in kept and "**900 persons/s**" in kept
    # The targets still compare with the largest register measured.
    assert "| SQLite | 1,000,000 | 900 persons/s |" in page
    # Each target row says when its register was measured.
    targets = page.split("## Targets")[1].split("## Results")[0]
    rows = [r for r in targets.splitlines() if r.startswith("| ") and "SQLite" in r]
    assert rows and all(r.endswith("| 2026-11-28 |") for r in rows)
    assert "| SQLite | 10,000 | 2,500" not in page.split("## Results")[0]
    retention = page[page.index("## Retention") : page.index("## PRH bulk import")]
    assert "NEW TABLE" in retention and "OLD TABLE" not in retention
    assert "### 2026-12-01: by hand\n\nkept text" in retention
    assert "PRH TABLE" in page
    assert page.index("## 2026-12-02: between") < page.index("## What is measured")
    assert page.rstrip().endswith("## 2026-12-03: at the end\n\nalso mine")
    # Regenerating again changes nothing more.
    assert carry.carry_page(page, render([newer])) == page


def test_the_machine_section_gives_the_cpu_reference_when_measured() -> None:
    from benchmarks import machine

    # The reference workload does the same work each time.
    assert machine._reference_work() == machine._reference_work()
    measured = machine.cpu_reference(repeats=1)
    assert measured > 0
    page = report.render({"machine": {**MACHINE, "cpu_reference_ms": measured}})
    line = f"- CPU reference (benchmarks/machine.py, lower is faster): {measured} ms"
    assert line in page
    # Results written before the reference existed render without it.
    assert "CPU reference" not in report.render({"machine": MACHINE, "runs": []})


def test_the_retention_table_says_how_fast_the_machine_ran() -> None:
    from benchmarks import retention

    result = {"runs": [], "cpu_reference_ms": [66.5, 70.1]}
    assert "66.5 ms before the cases, 70.1 ms after" in retention.table(result)
    del result["cpu_reference_ms"]
    assert "CPU reference" not in retention.table(result)


def test_the_retention_table_gives_what_each_run_wrote_where_it_was_measured() -> None:
    from benchmarks import retention

    keys = [
        "subjects",
        "recompute_per_s",
        "recompute_cpu_per_s",
        "recompute_again_per_s",
        "recompute_peak_mb",
        "dry_run_per_s",
        "dry_run_cpu_per_s",
        "dry_run_peak_mb",
        "erase_per_s",
        "erase_cpu_per_s",
        "erased",
        "erase_queries_per_subject",
    ]
    new = {"database": "sqlite", "size": 10, **dict.fromkeys(keys, 1)}
    new.update(recompute_written_mb=85.6, erase_written_kb_per_subject=95.2)
    # A result written before the figures existed.
    old = {"database": "postgresql", "size": 10, **dict.fromkeys(keys, 1)}
    text = retention.table({"runs": [new, old]})
    assert (
        "| (recompute, written: WAL on PostgreSQL, to disk on SQLite) | 85.6 MB | – |"
        in (text)
    )
    assert "| (erasing, written per erased subject) | 95.2 kB | – |" in text


def test_the_write_meter_counts_what_the_process_wrote(tmp_path) -> None:
    """On SQLite the meter reads the process's own writes (Linux)."""
    import os

    from benchmarks.machine import WriteMeter

    class SQLite:
        vendor = "sqlite"

    meter = WriteMeter(SQLite())
    if meter.start is None:
        pytest.skip("no /proc/self/io here")
    with open(tmp_path / "data", "wb") as f:
        f.write(b"x" * 1_000_000)
        f.flush()
        os.fsync(f.fileno())
    assert meter.written() >= 1_000_000


@pytest.mark.django_db
def test_the_write_meter_reads_postgresql_s_wal() -> None:
    from django.db import connection

    from benchmarks.machine import WriteMeter

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's WAL")
    meter = WriteMeter(connection)
    with connection.cursor() as cursor:
        # In the test's transaction: rolled back with it.
        cursor.execute("CREATE TABLE meter_probe (v text)")
        cursor.execute(
            "INSERT INTO meter_probe SELECT repeat('x', 100) "
            "FROM generate_series(1, 1000)"
        )
    # A thousand rows of about 130 bytes, and their log records' headers.
    assert meter.written() > 100_000


def test_the_seeding_line_gives_what_a_person_cost_the_disk() -> None:
    sqlite = case("sqlite", 10_000, pps=2500, email=1.0, page=5.0, rps=300)
    sqlite["seed"]["written_kb_per_person"] = 9.5
    postgres = case("postgresql", 10_000, pps=2500, email=1.0, page=5.0, rps=300)
    postgres["seed"]["written_kb_per_person"] = 7.3
    # Results from before the figure existed.
    old = case("sqlite", 100_000, pps=2500, email=1.0, page=5.0, rps=300)
    page = render([sqlite, postgres, old])
    assert "; 9.5 kB written a person (to disk)." in page
    assert "; 7.3 kB written a person (WAL)." in page
    assert page.count("kB written a person") == 2


def test_the_person_page_is_held_to_the_performance_issues_targets() -> None:
    # In process p95 ≤ 5 ms; over HTTP ≥ 0.5× the login page of the same run
    # (900 requests/s in these results).
    slow = case("sqlite", 1_000_000, pps=5500, email=0.6, page=5.8, rps=325.0)
    text = render([slow])
    targets = section(text, "## Targets")
    assert "| Person page, in-process: p95 ≤ 5 ms | SQLite | 1,000,000 | 5.80 ms |" in (
        targets
    )
    assert "5.80 ms | **missed** |" in targets
    assert (
        "| Person page over HTTP: ≥ 0.5× the login page | SQLite | 1,000,000 | "
        "0.36× (325 vs 900 req/s) | **missed** |" in targets
    )
    part = section(text, "### SQLite, 1,000,000 persons")
    assert "The person page served 0.36× the login page's requests" in part
    assert "(target ≥ 0.5×): **missed**." in part
    fast = case("sqlite", 1_000_000, pps=5500, email=0.6, page=4.9, rps=460.0)
    targets = section(render([fast]), "## Targets")
    assert "4.90 ms | met |" in targets
    assert "0.51× (460 vs 900 req/s) | met |" in targets
