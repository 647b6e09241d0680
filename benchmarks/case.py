"""One database and one size, in a process of its own.

``python -m benchmarks.case --size N --out FILE`` with DATABASE_URL and
REKISTERI_VAR_DIR set by :mod:`benchmarks.run`: migrate the (fresh)
database, seed it, measure, and write the results as JSON.

``--plaintext`` measures the same register without per-person encryption
(:mod:`benchmarks.plaintext`, which also needs REKISTERI_BENCH_PLAINTEXT=1),
the in-process figures and the HTTP server alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True, help="Persons.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed-batch", type=int, default=5000)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--http-duration", type=int, default=10)
    parser.add_argument("--http-connections", type=int, default=8)
    parser.add_argument("--http-workers", type=int, default=2)
    parser.add_argument(
        "--plaintext",
        action="store_true",
        help="Without per-person encryption (the baseline).",
    )
    args = parser.parse_args(argv)
    # A SIGTERM from the runner (time limit) unwinds normally, so the
    # gunicorn started below is stopped by its context manager.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    # A development master key in the bench's var dir (kept between runs).
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    if args.plaintext:
        from benchmarks import plaintext

        plaintext.install()

    from django.core.management import call_command
    from django.db import connection

    from benchmarks import http, lookups, seeding
    from benchmarks.machine import load_average

    result: dict[str, Any] = {
        "database": connection.vendor,
        "size": args.size,
        "mode": "plaintext" if args.plaintext else "encrypted",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": load_average(),
        "notes": [],
    }
    log("  migrating")
    call_command("migrate_all", verbosity=0)
    log("  seeding")
    result["seed"] = seeding.seed_register(args.size, batch_size=args.seed_batch)
    result["seed"].update(seeding.settle())
    # The plaintext baseline must leave the key store empty; the encrypted
    # run has one data key per person. Counted so the report can show both.
    from rekisteri.keystore.models import DataKey
    from rekisteri.keystore.router import KEYSTORE_DB

    result["seed"]["data_keys"] = DataKey.objects.using(KEYSTORE_DB).count()

    # What the seeding left unreachable freed, and what lives on kept out
    # of later collections, as the WSGI entry point does once it has started
    # (rekisteri/core/gcpause.py): the lookups are timed in a process like
    # the server's, not one whose full collections walk a seeding's leftovers.
    from rekisteri.core.gcpause import freeze_startup

    freeze_startup()
    log("  lookups")
    user = lookups.bench_user()
    client, cookie = lookups.logged_in_client(user)
    targets = lookups.pick_targets(args.warmup + args.iterations)
    result["lookups"] = {}
    for m in lookups.measurements(user, targets, client):
        log(f"    {m.name}")
        result["lookups"][m.name] = lookups.run(
            m, iterations=args.iterations, warmup=args.warmup
        )
    if "person_page" not in result["lookups"]:
        result["notes"].append(
            "The person page (registry:person_detail) does not exist yet; "
            "its in-process and HTTP figures are missing."
        )
    else:
        log("  http")
        from django.urls import reverse
        from django.utils.html import escape

        from rekisteri.registry.models import Person

        paths = [
            reverse("registry:person_detail", kwargs={"person_id": pk})
            for pk in targets.persons
        ]
        # Decrypted (or, in plaintext mode, read) by this process, so the
        # server's page can be checked against it.
        last_name = Person.objects.get(pk=targets.persons[0]).last_name
        connection.close()  # the server processes open their own
        var_dir = Path(os.environ.get("REKISTERI_VAR_DIR", "var"))
        try:
            result["http"] = http.measure(
                os.environ,
                person_paths=paths,
                cookie=f"{cookie_name()}={cookie}",
                workers=args.http_workers,
                duration=args.http_duration,
                connections=args.http_connections,
                log_path=var_dir / "gunicorn.log",
                expect=escape(last_name),
                wsgi=(
                    "benchmarks.plaintext_wsgi" if args.plaintext else "rekisteri.wsgi"
                ),
            )
        except Exception as exc:  # reported in the results, not hidden
            result["notes"].append(f"HTTP measurement failed: {exc}")
    result["load_average_end"] = load_average()
    args.out.write_text(json.dumps(result, indent=2))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def cookie_name() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


if __name__ == "__main__":
    main()
