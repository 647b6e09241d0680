"""docs/benchmarks.md from var/bench/results.json.

Each database and size is run twice (benchmarks/run.py): ``"mode":
"encrypted"``, the register as shipped, and ``"plaintext"``, the same
register without per-person encryption (benchmarks/plaintext.py). The
encrypted figures are shown in full, followed by a table against the
plaintext run of the same database and size. Runs stored before the
baseline existed have no mode and are read as encrypted.
"""

from __future__ import annotations

from typing import Any

# Targets of the performance issue, all defined at 1,000,000 persons.
EXACT = ("email", "phone", "customer_number")
LOOKUP_TARGET_MS = {
    ("sqlite", "exact"): 2.0,
    ("postgresql", "exact"): 3.0,
    ("any", "name_prefix"): 10.0,
    # The performance issue's page target; the register core's was 30 ms.
    ("any", "person_page"): 5.0,
}
HTTP_TARGET_RPS = 600
# The person page over HTTP against the login page of the same run (which
# touches no database): a ratio that holds on any machine.
LOGIN_RATIO_TARGET = 0.5
SEED_TARGET_PPS = 5000
SEED_TARGET_DATABASE = "sqlite"  # the seeding target is set for SQLite
# Against the plaintext baseline of the same run: seeding with encryption,
# and the person page at most 1.3 times the plaintext register's time (p95
# in process; requests per second over HTTP, i.e. time per request).
SEED_ENCRYPTED_TARGET_PPS = 5000
RATIO_TARGET = 1.3
# The header search over the request (POST /search/, rendered) at most twice
# its selector's time, medians of the same run.
SEARCH_REQUEST_RATIO = 2.0
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ENCRYPTED, PLAINTEXT = "encrypted", "plaintext"


def mode_of(run: dict[str, Any]) -> str:
    """ "encrypted" or "plaintext"; runs from before the baseline are encrypted."""
    return run.get("mode", ENCRYPTED)


def lookup_target(database: str, name: str) -> float | None:
    if name in EXACT:
        return LOOKUP_TARGET_MS[(database, "exact")]
    return LOOKUP_TARGET_MS.get(("any", name))


def login_share(http: dict[str, Any]) -> float | None:
    """The person page's requests per second as a share of the login
    page's in the same run (None when the login page served none)."""
    login = http["baseline"]["requests_per_second"]
    return http["person_page"]["requests_per_second"] / login if login else None


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def _measured(run: dict[str, Any] | None) -> bool:
    return run is not None and "skipped" not in run and "failed" not in run


def pairs(
    runs: list[dict[str, Any]],
) -> list[tuple[str, int, dict[str, Any] | None, dict[str, Any] | None]]:
    """(database, size, encrypted run, plaintext run) in database, size order."""
    found: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for run in runs:
        found.setdefault((run["database"], run["size"]), {})[mode_of(run)] = run
    order = list(NAMES)
    return [
        (database, size, modes.get(ENCRYPTED), modes.get(PLAINTEXT))
        for (database, size), modes in sorted(
            found.items(),
            key=lambda kv: (
                order.index(kv[0][0]) if kv[0][0] in order else len(order),
                kv[0][1],
            ),
        )
    ]


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
    # Results of runs before the bench named its server ran on the shared one.
    server = m.get("postgresql_server") or "the machine's server"
    return [
        "## Machine",
        "",
        f"- Date: {m['date']}",
        f"- CPU: {m['cpus']} × {m['cpu_model']}",
        *(
            [
                f"- CPU reference (benchmarks/machine.py, lower is faster): "
                f"{m['cpu_reference_ms']} ms"
            ]
            if m.get("cpu_reference_ms")
            else []
        ),
        f"- Memory: {m['memory_gib']} GiB",
        f"- OS: {m['os']}",
        f"- Python {m['python']}, Django {m['django']}",
        f"- SQLite {m['sqlite']} (WAL, synchronous=NORMAL)",
        f"- PostgreSQL {pg} (same machine; {server}; "
        "the settings in force under each run)",
        "",
    ]


def _summary(runs: list[dict[str, Any]]) -> list[str]:
    """Targets against the largest measured register of each database."""
    lines = [
        "## Targets",
        "",
        "The targets are set for a register of 1,000,000 persons. The table "
        "compares them with the largest register measured on each database, "
        "on the date each row gives (a larger register's rows stay until it "
        "is measured again, so a row can be older than the code); the "
        "sections below give every size, and the dated sections after them "
        "what changed since.",
        "",
        "| Target | Database | Persons | Measured | Status | Measured on |",
        "|---|---|---:|---:|---|---|",
    ]
    plain_of = {
        (r["database"], r["size"]): r
        for r in runs
        if mode_of(r) == PLAINTEXT and "lookups" in r
    }
    for database in ("sqlite", "postgresql"):
        done = [
            r
            for r in runs
            if r["database"] == database and "lookups" in r and mode_of(r) == ENCRYPTED
        ]
        if not done:
            continue
        run = max(done, key=lambda r: r["size"])
        first = len(lines)
        plain = plain_of.get((database, run["size"]))
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
            login = run["http"]["baseline"]["requests_per_second"]
            share = login_share(run["http"])
            if share is not None:
                lines.append(
                    f"| Person page over HTTP: ≥ {LOGIN_RATIO_TARGET:g}× the login "
                    f"page | {db} | {size} | {share:.2f}× ({rps:,.0f} vs "
                    f"{login:,.0f} req/s) | {verdict(share >= LOGIN_RATIO_TARGET)} |"
                )
        pps = run["seed"]["persons_per_second"]
        if database == SEED_TARGET_DATABASE:
            lines.append(
                f"| Seeding: ≥ {SEED_TARGET_PPS:,} persons/s | {db} | {size} | "
                f"{pps:,} persons/s | {verdict(pps >= SEED_TARGET_PPS)} |"
            )
        lines.append(
            f"| Seeding with encryption: ≥ {SEED_ENCRYPTED_TARGET_PPS:,} persons/s "
            f"| {db} | {size} | {pps:,} persons/s | "
            f"{verdict(pps >= SEED_ENCRYPTED_TARGET_PPS)} |"
        )
        lines += _summary_against(run, plain, db, size)
        when = (run.get("date") or "")[:10]
        lines[first:] = [f"{row} {when} |" for row in lines[first:]]
    lines.append("")
    return lines


def _summary_against(
    run: dict[str, Any], plain: dict[str, Any] | None, db: str, size: str
) -> list[str]:
    """The ≤ 1.3× rows: the person page against the plaintext baseline."""
    page_target = f"Person page p95: ≤ {RATIO_TARGET:g}× plaintext"
    http_target = f"Person page over HTTP: ≥ plaintext ÷ {RATIO_TARGET:g}"
    lines = []
    if plain is None:
        if "person_page" in run["lookups"]:
            lines.append(f"| {page_target} | {db} | {size} | no plaintext run | |")
        if "http" in run:
            lines.append(f"| {http_target} | {db} | {size} | no plaintext run | |")
        return lines
    enc_page = run["lookups"].get("person_page")
    plain_page = plain["lookups"].get("person_page")
    if enc_page and plain_page:
        e, p = enc_page["app"]["p95_ms"], plain_page["app"]["p95_ms"]
        r = e / p
        lines.append(
            f"| {page_target} | {db} | {size} | {ratio(r)} ({ms(e)} vs {ms(p)} ms) "
            f"| {verdict(r <= RATIO_TARGET)} |"
        )
    if "http" in run and "http" in plain:
        e = run["http"]["person_page"]["requests_per_second"]
        p = plain["http"]["person_page"]["requests_per_second"]
        r = p / e
        lines.append(
            f"| {http_target} | {db} | {size} | {ratio(r)} ({e:,.0f} vs {p:,.0f} "
            f"req/s) | {verdict(r <= RATIO_TARGET)} |"
        )
    return lines


def _run(run: dict[str, Any], *, title: str | None = None) -> list[str]:
    title = title or f"### {NAMES[run['database']]}, {run['size']:,} persons"
    if "skipped" in run:
        return [title, "", f"Skipped: {run['skipped']}.", ""]
    if "failed" in run:
        return [title, "", f"Failed: {run['failed']}.", ""]
    seed = run["seed"]
    pps = seed["persons_per_second"]
    targets = []
    if run["database"] == SEED_TARGET_DATABASE:
        targets.append(
            f"target ≥ {SEED_TARGET_PPS:,}: {verdict(pps >= SEED_TARGET_PPS)}"
        )
    if mode_of(run) == ENCRYPTED:
        targets.append(
            f"with encryption ≥ {SEED_ENCRYPTED_TARGET_PPS:,}: "
            f"{verdict(pps >= SEED_ENCRYPTED_TARGET_PPS)}"
        )
    target = "; ".join(targets) or "no target for this database"
    at_end = ""
    if "persons_per_second_at_end" in seed:
        at_end = f", {seed['persons_per_second_at_end']:,} over the last tenth"
    if seed.get("written_kb_per_person") is not None:
        at_end += (
            f"; {seed['written_kb_per_person']:,} kB written a person "
            f"({'WAL' if run['database'] == 'postgresql' else 'to disk'})"
        )
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
        *_server_settings(seed),
        "| Measurement | p50 ms | p95 ms | Queries | Baseline | Baseline p50 ms | "
        "Baseline p95 ms | Overhead (p95) | Target p95 | Status |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    baselines = {
        "email": "`BlindIndex.objects.filter(key=…)[:1]`",
        "phone": "`BlindIndex.objects.filter(key=…)[:1]`",
        "customer_number": "`Organization.objects.filter(customer_number=…)[:1]`",
        "name_prefix": "`BlindIndex.objects.filter(key=…)[:20]`",
        "person_page": "`Person.objects.filter(pk=…)[:1]`",
    }
    for name, m in run["lookups"].items():
        target = lookup_target(run["database"], name)
        app, base = m["app"], m["baseline"]
        status = verdict(app["p95_ms"] <= target) if target else ""
        target_text = f"≤ {target:g}" if target else ""
        if name.startswith("search_request"):
            # The request against its own selector: the ratio of the medians.
            target_text = f"≤ {SEARCH_REQUEST_RATIO:g}× selector (p50)"
            status = verdict(m["overhead_p50"] <= SEARCH_REQUEST_RATIO)
        found = "" if m["found"] == 1 else f" (found {m['found']:.0%})"
        lines.append(
            f"| {m['label']}{found} | {ms(app['p50_ms'])} | {ms(app['p95_ms'])} | "
            f"{m.get('queries', '')} | {baseline_of(name, baselines)} | "
            f"{ms(base['p50_ms'])} | "
            f"{ms(base['p95_ms'])} | {m['overhead_p95']}× "
            f"(p50 {m['overhead_p50']}×) | {target_text} | {status} |"
        )
    lines.append("")
    lines += _search_requests(run["lookups"])
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
        share = login_share(h)
        if share is not None:
            lines += [
                f"The person page served {share:.2f}× the login page's requests "
                f"(target ≥ {LOGIN_RATIO_TARGET:g}×): "
                f"{verdict(share >= LOGIN_RATIO_TARGET)}.",
                "",
            ]
    for note in run.get("notes", []):
        lines += [f"Note: {note}", ""]
    return lines


def baseline_of(name: str, baselines: dict[str, str]) -> str:
    if name.startswith("search_request"):
        return "`selectors.search(…)`, the same query"
    return baselines.get(name, "")


def _search_requests(lookups: dict[str, Any]) -> list[str]:
    """The header search's request against its selector, per kind of query:
    what the request adds to the search (medians)."""
    rows = [(n, m) for n, m in lookups.items() if n.startswith("search_request")]
    if not rows:
        return []
    lines = [
        "The header search per kind of query: the request (POST /search/, "
        "form-encoded with its CSRF token, the rendered list) against "
        "`selectors.search` on the same queries, alternating:",
        "",
        "| Query | Request p50 ms | Selector p50 ms | Request ÷ selector | "
        "Request − selector, ms | Target | Status |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, m in rows:
        app, base = m["app"]["p50_ms"], m["baseline"]["p50_ms"]
        kind = name.removeprefix("search_request_").replace("_", " ")
        lines.append(
            f"| {kind} | {ms(app)} | {ms(base)} | {m['overhead_p50']}× | "
            f"{ms(app - base)} | ≤ {SEARCH_REQUEST_RATIO:g}× | "
            f"{verdict(m['overhead_p50'] <= SEARCH_REQUEST_RATIO)} |"
        )
    return [*lines, ""]


def _server_settings(seed: dict[str, Any]) -> list[str]:
    """The PostgreSQL settings a run ran on (docs/operations.md gives them)."""
    found = seed.get("postgres_settings")
    if not found:
        return []
    text = ", ".join(f"`{name}` {value}" for name, value in found.items())
    return [f"PostgreSQL settings in force: {text}.", ""]


def _against(enc: dict[str, Any], plain: dict[str, Any] | None) -> list[str]:
    """Encrypted beside plaintext for one database and size.

    Every lookup either run measured gets a row, so a measurement added to
    benchmarks/lookups.py shows up here without a change to this module.
    """
    lines = ["#### Against the plaintext baseline", ""]
    if plain is None:
        return lines + ["Not measured: no plaintext run of this size.", ""]
    if "skipped" in plain or "failed" in plain:
        why = plain.get("skipped") or plain.get("failed")
        return lines + [
            f"Plaintext run {'skipped' if 'skipped' in plain else 'failed'}: {why}.",
            "",
        ]
    lines += [
        "| Measure | Encrypted | Plaintext | Ratio | Target | Status |",
        "|---|---:|---:|---:|---|---|",
    ]
    e_pps = enc["seed"]["persons_per_second"]
    p_pps = plain["seed"]["persons_per_second"]
    lines.append(
        f"| Seeding, persons/s | {e_pps:,} | {p_pps:,} | "
        f"{_ratio_of(p_pps, e_pps)} | ≥ {SEED_ENCRYPTED_TARGET_PPS:,} (encrypted) "
        f"| {verdict(e_pps >= SEED_ENCRYPTED_TARGET_PPS)} |"
    )
    e_lookups, p_lookups = enc.get("lookups", {}), plain.get("lookups", {})
    names = list(e_lookups) + [n for n in p_lookups if n not in e_lookups]
    for name in names:
        e, p = e_lookups.get(name), p_lookups.get(name)
        label = (e or p or {}).get("label", name)
        e_ms = e["app"]["p95_ms"] if e else None
        p_ms = p["app"]["p95_ms"] if p else None
        target, status = "", ""
        if name == "person_page":
            target = f"≤ {RATIO_TARGET:g}× plaintext"
            if e_ms is not None and p_ms:
                status = verdict(e_ms / p_ms <= RATIO_TARGET)
        else:
            limit = lookup_target(enc["database"], name)
            if limit is not None:
                target = f"≤ {limit:g} ms (encrypted)"
                if e_ms is not None:
                    status = verdict(e_ms <= limit)
        lines.append(
            f"| {label}, p95 ms | {_or_dash(e_ms, ms)} | {_or_dash(p_ms, ms)} | "
            f"{_ratio_of(e_ms, p_ms)} | {target} | {status} |"
        )
    if "http" in enc or "http" in plain:
        e_http = enc.get("http", {}).get("person_page")
        p_http = plain.get("http", {}).get("person_page")
        e_rps = e_http["requests_per_second"] if e_http else None
        p_rps = p_http["requests_per_second"] if p_http else None
        status = ""
        if e_rps and p_rps:
            status = verdict(p_rps / e_rps <= RATIO_TARGET)
        lines.append(
            f"| Person page over HTTP, requests/s | {_or_dash(e_rps, _rps)} | "
            f"{_or_dash(p_rps, _rps)} | {_ratio_of(p_rps, e_rps)} | "
            f"≥ plaintext ÷ {RATIO_TARGET:g} | {status} |"
        )
        e_p95 = e_http["p95_ms"] if e_http else None
        p_p95 = p_http["p95_ms"] if p_http else None
        lines.append(
            f"| Person page over HTTP, p95 ms | {_or_dash(e_p95, ms)} | "
            f"{_or_dash(p_p95, ms)} | {_ratio_of(e_p95, p_p95)} | | |"
        )
    e_mib = enc["seed"].get("database_mib")
    p_mib = plain["seed"].get("database_mib")
    if e_mib is not None and p_mib is not None:
        lines.append(
            f"| Database size, MiB | {e_mib:,} | {p_mib:,} | "
            f"{_ratio_of(e_mib, p_mib)} | | |"
        )
    lines.append("")
    facts = [
        f"Plaintext run measured {plain.get('date') or 'in the same run'}, load "
        f"average {plain.get('load_average_start')} at the start, "
        f"{plain.get('load_average_end')} at the end."
    ]
    if "data_keys" in enc["seed"] and "data_keys" in plain["seed"]:
        facts.append(
            f"Data keys in the key store after seeding: "
            f"{enc['seed']['data_keys']:,} encrypted, "
            f"{plain['seed']['data_keys']:,} plaintext."
        )
    lines += [" ".join(facts), ""]
    for note in plain.get("notes", []):
        lines += [f"Note (plaintext run): {note}", ""]
    return lines


def _rps(value: float) -> str:
    return f"{value:,.0f}"


def _or_dash(value: float | None, fmt: Any) -> str:
    return "—" if value is None else fmt(value)


def _ratio_of(slower: float | None, faster: float | None) -> str:
    """How many times the plaintext register's cost the encrypted one has.

    Callers pass encrypted ÷ plaintext for times and sizes and
    plaintext ÷ encrypted for rates, so above 1 always means dearer.
    """
    if slower is None or not faster:
        return ""
    return ratio(slower / faster)


BASELINE = """\
**Each register beside a plaintext baseline.** Every database and size is
measured twice in the same run, each time on a fresh database seeded
alike: once as shipped (personal fields sealed under a data key per
person, search through blind indexes), and once as the same register
without per-person encryption — the cipher and the key store taken out of
the same code (`benchmarks/plaintext.py`: values stored unencrypted, no
data keys made or read), the blind index kept because search needs it. So
the baseline's seeding still computes the blind-index terms; it only
leaves out key creation and sealing. The results give the encrypted
figures in full; the table *Against the plaintext baseline* under each
puts both side by side. *Ratio* is how many times the plaintext
register's cost the encrypted one has: encrypted ÷ plaintext for times
and sizes, plaintext ÷ encrypted for rates.
"""


METHOD = """\
## What is measured

Each database and size starts from an empty database: `migrate`, then
`seed_demo`'s generator (`rekisteri.demo.register.seed`) adds the persons
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

The plaintext baseline runs the same steps on another fresh database in
the same `make bench`, right after the encrypted run of the same database
and size, with `benchmarks/plaintext.py` installed in the benchmark process
and in gunicorn (`benchmarks.plaintext_wsgi`). It replaces the encrypted
fields' `encrypt`/`decrypt` (values stored as a version byte 0 and the
UTF-8 text), the key store's key creation and look-ups, and the demo
seeder's sealing (blind-index terms still computed); everything else —
services, selectors, views, templates, the audit log, blind-index search —
is the application's own code. It is enabled only by the runner
(`REKISTERI_BENCH_PLAINTEXT=1`) and nothing in the application imports it.
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
- **Exact searches** (email, phone) read the email or phone rows whose
  blind-index row matches the normalised value (the index is a subquery),
  joined with their persons, fetch the persons' keys from the key store in
  one query, decrypt to drop false positives and load the owners' emails to
  show: three queries, of which the *Queries* column counts the two on the
  main database.
- **Name-prefix search** matches every query word of three or more letters
  in the blind index itself: the longest word's rows are walked for last
  names, then first names, and each subject's own rows are probed for the
  other words, up to twice a page of candidates. Only those are decrypted,
  checked against every word and sorted, last-name matches first; emails
  are loaded for the 20 shown. A one-word query costs the same at any
  register size; a rare combination of common words walks more index rows.
- **The person page** is mostly Python, not SQL and not cryptography: it
  costs the same with and without encryption (table *Against the plaintext
  baseline*). Its queries (the *Queries* column) load the session and the
  user, the person with emails, phones, roles and provenance, and the
  sections other parts add (contracts, invoices, the message timeline, the
  privacy officer's access history), and write the audit event; one more
  query fetches the person's key. Building those queries and rendering the
  templates is what two sync gunicorn workers spend their CPU on; 600 pages/s
  would need about four times less CPU per page or more cores.
- **Seeding on SQLite slows as the file grows.** Until register rows got
  time-ordered keys (docs/security.md, Identifiers), every row had a random
  UUID key and about a dozen indexes (the blind index's two among them) had
  random keys, so each commit rewrote most index pages into the
  write-ahead log: one 5,000-person commit into a 300,000-person register
  wrote about 210 MB of it. The seeder therefore keeps batches of 5,000
  persons in memory but commits every 50,000 persons on SQLite, with a page
  cache of up to 1 GiB, a memory map and rarer checkpoints while seeding
  (no durability setting is changed). At 300,000 persons that gave 3,948
  persons/s against 3,155 committing every batch, and 4,084 with the larger
  cache; the rate still falls as the indexes outgrow the cache.
- **Seeding on PostgreSQL** uses `COPY`; about a third of its time is the
  foreign-key checks at each commit (measured against a run with the
  triggers disabled, which the seeder does not do). The server works in its
  own process, so the seeder's producer thread creates the next batch's
  data keys, seals its values and computes its blind-index terms meanwhile
  (at 100,000 persons: 4,075 persons/s against 2,937 when the writer did
  it). On SQLite the database works inside the Python process and takes
  the interpreter lock back after every row, so sealing stays with the
  writer there (3,680 against 3,242 persons/s in the producer).
- **PostgreSQL at a million persons** runs with its stock settings here
  (`shared_buffers` 128 MB, `max_wal_size` 1 GB) against a database of
  several GB with random keys everywhere: seeding falls to about 1,300
  persons/s by the end whether the register is encrypted or not (the
  plaintext run falls alike), and lookups read cold pages, which is what
  raises their p95 above the 100,000-person figures. docs/operations.md says
  how to size the server. The exact-search *baseline* of those runs,
  `BlindIndex.objects.filter(key=…).first()`, was not a fair one: `first()`
  orders by id, and at that size the planner walked the primary key instead
  of the key index (hundreds of ms); the application's own queries have no
  such ordering, and the baselines now take `[:1]`.
- **Key creation** goes to the key store as plain tuples (`COPY` on
  PostgreSQL), and each master key keeps one prepared AES-GCM cipher:
  building a model instance or a cipher per data key cost more than
  wrapping the key.
"""

REPRODUCE = """\
## Reproduce

```sh
make bench                   # 10,000 and 100,000 persons, SQLite and PostgreSQL
make bench SIZE=1000000      # 1,000,000 persons
.venv/bin/python -m benchmarks.run --sizes 10000 --databases sqlite
```

`--modes encrypted` or `--modes plaintext` runs one side only (default:
both). PostgreSQL is used when `postgres://postgres@127.0.0.1:5432` answers;
the benchmark creates and drops the database `rekisteri_bench` (another name
with `REKISTERI_BENCH_PG_DB=name`); it gives that database the settings a
database can take (`benchmarks/databases.py`). `--pg-cluster` runs
PostgreSQL on a cluster of the bench's own instead, made on port 5433 with
every server setting of docs/operations.md (`benchmarks/pgcluster.py`,
root; `python -m benchmarks.pgcluster drop` removes it). Install `wrk`
(`apt-get install wrk`) for the HTTP figures; without it a Python load
generator is used. Raw figures are kept in `var/bench/results.json`; runs
of other sizes are kept, a new run of the same database, size and mode
replaces the old one, and this page is rewritten from the file.

Rewriting keeps what the figures at hand lack (`benchmarks/carry.py`), so
a fresh checkout's `make bench` loses nothing: the sections of sizes and
databases not measured (marked as kept from an earlier run) and their
target rows when they are of a larger register; domain sections not
measured; a measured domain's old subsections under the new figures; and
hand-written sections placed between the domain block and *What is
measured* or after this one. Dated measurements go there.
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
    lines += [BASELINE]
    lines += _machine(results["machine"])
    lines += _summary(runs)
    lines += ["## Results", ""]
    for database, size, enc, plain in pairs(runs):
        if enc is None:
            assert plain is not None
            title = (
                f"### {NAMES.get(database, database)}, {size:,} persons "
                "(plaintext baseline only)"
            )
            lines += _run(plain, title=title)
            continue
        lines += _run(enc)
        if _measured(enc):
            lines += _against(enc, plain)
    from benchmarks import domains

    lines += [domains.block(), METHOD, OBSERVATIONS, REPRODUCE]
    return "\n".join(lines).rstrip() + "\n"
