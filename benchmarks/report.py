"""docs/benchmarks.md from var/bench/results.json."""

from __future__ import annotations

from typing import Any

# Targets of the performance issue, all defined at 1,000,000 persons.
EXACT = ("email", "phone", "customer_number")
LOOKUP_TARGET_MS = {
    ("sqlite", "exact"): 2.0,
    ("postgresql", "exact"): 3.0,
    ("any", "name_prefix"): 10.0,
    ("any", "person_page"): 30.0,
}
HTTP_TARGET_RPS = 600
SEED_TARGET_PPS = 5000
SEED_TARGET_DATABASE = "sqlite"  # the seeding target is set for SQLite
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def lookup_target(database: str, name: str) -> float | None:
    if name in EXACT:
        return LOOKUP_TARGET_MS[(database, "exact")]
    return LOOKUP_TARGET_MS.get(("any", name))


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def one_line(run: dict[str, Any]) -> str:
    """A progress line for the terminal."""
    if "skipped" in run:
        return f"skipped: {run['skipped']}"
    if "failed" in run:
        return f"failed: {run['failed']}"
    parts = [f"seeding {run['seed']['persons_per_second']:,} persons/s"]
    for name, m in run.get("lookups", {}).items():
        parts.append(f"{name} p95 {ms(m['app']['p95_ms'])} ms")
    if "http" in run:
        parts.append(
            f"HTTP {run['http']['person_page']['requests_per_second']:,} req/s"
        )
    return ", ".join(parts)


def _machine(m: dict[str, Any]) -> list[str]:
    pg = m.get("postgresql") or "not reachable"
    return [
        "## Machine",
        "",
        f"- Date: {m['date']}",
        f"- CPU: {m['cpus']} × {m['cpu_model']}",
        f"- Memory: {m['memory_gib']} GiB",
        f"- OS: {m['os']}",
        f"- Python {m['python']}, Django {m['django']}",
        f"- SQLite {m['sqlite']} (WAL, synchronous=NORMAL)",
        f"- PostgreSQL {pg} (stock configuration, same machine)",
        "",
    ]


def _summary(runs: list[dict[str, Any]]) -> list[str]:
    """Targets against the largest measured register of each database."""
    lines = [
        "## Targets",
        "",
        "The targets are set for a register of 1,000,000 persons. The table "
        "compares them with the largest register measured on each database; "
        "the sections below give every size.",
        "",
        "| Target | Database | Persons | Measured | Status |",
        "|---|---|---:|---:|---|",
    ]
    for database in ("sqlite", "postgresql"):
        done = [r for r in runs if r["database"] == database and "lookups" in r]
        if not done:
            continue
        run = max(done, key=lambda r: r["size"])
        size = f"{run['size']:,}"
        db = NAMES[database]
        for name, m in run["lookups"].items():
            target = lookup_target(database, name)
            if target is None:
                continue
            p95 = m["app"]["p95_ms"]
            lines.append(
                f"| {m['label']}: p95 ≤ {target:g} ms | {db} | {size} | "
                f"{ms(p95)} ms | {verdict(p95 <= target)} |"
            )
        if "http" in run:
            rps = run["http"]["person_page"]["requests_per_second"]
            lines.append(
                f"| Person page over HTTP: ≥ {HTTP_TARGET_RPS} requests/s | {db} | "
                f"{size} | {rps:,.0f} req/s | {verdict(rps >= HTTP_TARGET_RPS)} |"
            )
        if database == SEED_TARGET_DATABASE:
            pps = run["seed"]["persons_per_second"]
            lines.append(
                f"| Seeding: ≥ {SEED_TARGET_PPS:,} persons/s | {db} | {size} | "
                f"{pps:,} persons/s | {verdict(pps >= SEED_TARGET_PPS)} |"
            )
    lines.append("")
    return lines


def _run(run: dict[str, Any]) -> list[str]:
    title = f"### {NAMES[run['database']]}, {run['size']:,} persons"
    if "skipped" in run:
        return [title, "", f"Skipped: {run['skipped']}.", ""]
    if "failed" in run:
        return [title, "", f"Failed: {run['failed']}.", ""]
    seed = run["seed"]
    pps = seed["persons_per_second"]
    if run["database"] == SEED_TARGET_DATABASE:
        target = f"target ≥ {SEED_TARGET_PPS:,}: {verdict(pps >= SEED_TARGET_PPS)}"
    else:
        target = "the seeding target is set for SQLite"
    at_end = ""
    if "persons_per_second_at_end" in seed:
        at_end = f", {seed['persons_per_second_at_end']:,} over the last tenth"
    lines = [
        title,
        "",
        f"Seeding {seed['persons']:,} persons and {seed['organizations']:,} "
        f"organizations in batches of {seed['batch_size']:,} persons "
        f"({seed['rows']:,} rows, database "
        f"{seed['database_mib']:,} MiB): {seed['seconds']:,} s, "
        f"**{pps:,} persons/s** on average ({target}){at_end}. "
        f"Measured {run.get('date') or 'on the date above'}; load average "
        f"{run.get('load_average_start')} at the start, "
        f"{run.get('load_average_end')} at the end.",
        "",
        "| Measurement | p50 ms | p95 ms | Queries | Baseline | Baseline p50 ms | "
        "Baseline p95 ms | Overhead (p95) | Target p95 | Status |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    baselines = {
        "email": "`BlindIndex.objects.filter(key=…).first()`",
        "phone": "`BlindIndex.objects.filter(key=…).first()`",
        "customer_number": "`Organization.objects.filter(customer_number=…).first()`",
        "name_prefix": "`BlindIndex.objects.filter(key=…)[:20]`",
        "person_page": "`Person.objects.filter(pk=…).first()`",
    }
    for name, m in run["lookups"].items():
        target = lookup_target(run["database"], name)
        app, base = m["app"], m["baseline"]
        status = verdict(app["p95_ms"] <= target) if target else ""
        found = "" if m["found"] == 1 else f" (found {m['found']:.0%})"
        lines.append(
            f"| {m['label']}{found} | {ms(app['p50_ms'])} | {ms(app['p95_ms'])} | "
            f"{m.get('queries', '')} | {baselines.get(name, '')} | "
            f"{ms(base['p50_ms'])} | "
            f"{ms(base['p95_ms'])} | {m['overhead_p95']}× | "
            f"{f'≤ {target:g}' if target else ''} | {status} |"
        )
    lines.append("")
    if "http" in run:
        h = run["http"]
        person, base = h["person_page"], h["baseline"]
        lines += [
            f"Over HTTP ({h['server']}, {person['tool']}, {h['connections']} "
            f"connections, {h['duration_s']} s each):",
            "",
            "| Request | Requests/s | p50 ms | p95 ms | Errors | Target | Status |",
            "|---|---:|---:|---:|---:|---:|---|",
            f"| Person page (logged in) | {person['requests_per_second']:,.0f} | "
            f"{ms(person['p50_ms'])} | {ms(person['p95_ms'])} | {person['errors']} | "
            f"≥ {HTTP_TARGET_RPS} req/s | "
            f"{verdict(person['requests_per_second'] >= HTTP_TARGET_RPS)} |",
            f"| Baseline: login page (no database) | "
            f"{base['requests_per_second']:,.0f} | {ms(base['p50_ms'])} | "
            f"{ms(base['p95_ms'])} | {base['errors']} | | |",
            "",
        ]
    for note in run.get("notes", []):
        lines += [f"Note: {note}", ""]
    return lines


METHOD = """\
## What is measured

Each database and size starts from an empty database: `migrate`, then
`seed_demo`'s generator (`rekisteri.registry.demo.seed`) adds the persons
and a fifth as many organizations in batches of 5,000 persons (the
default), one transaction per batch. The seeding rate is persons per second
of wall time, organizations, emails, phones and roles included. PostgreSQL
then gets `VACUUM ANALYZE` (what autovacuum does shortly after a bulk
load); SQLite gets a WAL checkpoint and no `ANALYZE`, as in a running
installation.

In-process lookups run in the benchmark process through the real code
paths, as a customer-service user: `rekisteri.registry.selectors.search` for
email, phone (typed in the national form, `040 1234567`), customer number and
a three-letter prefix of a real last name (first page of 20), and a
`django.test.Client` GET of the person page (`registry:person_detail`:
session, middleware, selectors, template). Targets are picked at random
before timing, 50 warm-up iterations precede 400 timed ones, and each
iteration times the application and the **baseline** — the plainest ORM
lookup of the same row on its indexed column — back to back, alternating
which goes first. *Overhead* is the application's p95 over the baseline's;
*Queries* counts the SQL statements of one application call (the baseline
makes one).

Over HTTP, `gunicorn rekisteri.wsgi` (2 sync workers) serves the same
database on 127.0.0.1; a session is created for the benchmark user and its
cookie sent with every request. The load generator (`wrk` when installed,
else Python threads with keep-alive) runs for a fixed time with a fixed
number of connections against person pages of the random targets, then
against the login page, which touches no database, as the HTTP baseline.
The load generator shares the machine's CPUs with the server.
"""

OBSERVATIONS = """\
## Observations

Profiled by hand on the machine above (November 2026); they explain the
tables rather than replace them.

- **The machine.** Two virtual CPUs, shared with other jobs while these
  figures were taken (see each run's load average). Timings vary by tens of
  per cent between runs, so compare the application with its baseline in
  the same run. The baseline, one indexed single-row ORM lookup, costs
  0.5–1.5 ms here: that is the price of a Django query on this CPU, and it
  bounds everything that makes several.
- **Exact searches** (email, phone) look the normalised value up in the
  blind index, fetch the candidates' keys from the key store in one query,
  decrypt the candidates to drop false positives and load the persons with
  their emails: four to five queries, each about one baseline.
- **Name-prefix search** looks the first word up in the blind index for last
  and first names (at most 200 candidates each), decrypts the candidates'
  names, keeps and ranks those whose words start with every query word, and
  loads emails for the 20 shown. Its cost grows with the number of
  candidates a common prefix has, up to that cap.
- **The person page** took about 14 ms per request in a profile of 180
  requests (10,000 persons, SQLite), of which 0.7 ms was spent executing
  SQL. The rest is Python: building the 7–9 ORM queries (session, user,
  person, emails, phones, roles with organizations, provenance) and
  rendering the templates, about half of it. Two sync gunicorn workers at
  ~14 ms a page serve ~140 pages/s, which is what the HTTP figures show;
  600 pages/s would need about four times less CPU per page or more cores.
- **Seeding on SQLite slows as the file grows.** Every row has a random UUID
  key and about a dozen indexes have random keys, so each batch's commit
  rewrites most index pages: one 5,000-person batch into a 300,000-person
  register wrote about 210 MB of write-ahead log. While seeding, the
  seeder enlarges the page cache, maps the file into memory and checkpoints
  less often (no durability setting is changed). Fewer, larger commits
  help most: adding 50,000 persons to a 300,000-person register ran at
  2,700–2,900 persons/s with `--batch 5000` and 4,100–5,100 persons/s with
  `--batch 50000`, at the cost of holding ten times as many rows in memory
  (`python -m benchmarks.run --seed-batch 50000` measures it).
- **Seeding on PostgreSQL** uses `COPY`; about a third of its time is the
  foreign-key checks at each commit (measured against a run with the
  triggers disabled, which the seeder does not do).
"""

REPRODUCE = """\
## Reproduce

```sh
make bench                   # 10,000 and 100,000 persons, SQLite and PostgreSQL
make bench SIZE=1000000      # 1,000,000 persons
.venv/bin/python -m benchmarks.run --sizes 10000 --databases sqlite
```

PostgreSQL is used when `postgres://postgres@127.0.0.1:5432` answers; the
benchmark creates and drops the database `rekisteri_bench`. Install `wrk`
(`apt-get install wrk`) for the HTTP figures; without it a Python load
generator is used. Raw figures are kept in `var/bench/results.json`; runs
of other sizes are kept, a new run of the same database and size replaces
the old one, and this page is rewritten from the file.
"""


def render(results: dict[str, Any]) -> str:
    runs = results.get("runs", [])
    lines = [
        "# Benchmarks",
        "",
        "Figures from `make bench` (`python -m benchmarks.run`); this page is "
        "generated from `var/bench/results.json`.",
        "",
    ]
    lines += _machine(results["machine"])
    lines += _summary(runs)
    lines += ["## Results", ""]
    for run in runs:
        lines += _run(run)
    from benchmarks import domains

    lines += [domains.block(), METHOD, OBSERVATIONS, REPRODUCE]
    return "\n".join(lines).rstrip() + "\n"
