"""In-process lookups: the selectors and the person page against a baseline.

Every measurement pairs what the application does (``selectors.search`` or a
``django.test.Client`` GET of the person page) with the cheapest ORM lookup
of the same row on an indexed column. Both run alternately on the same
randomly picked targets, so drift on a busy machine hits both equally and
the ratio shows the application's own overhead.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from benchmarks.stats import summary
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import StaffUser
from rekisteri.accounts.services import (
    attestation_sign,
    staff_user_create,
    training_record,
)
from rekisteri.core import blindindex, formats
from rekisteri.core.models import BlindIndex
from rekisteri.registry import selectors
from rekisteri.registry.models import Organization, Person, PersonEmail, PersonPhone

PAGE = 20


@dataclass
class Targets:
    """Values picked before any timing starts, one per iteration."""

    persons: list[uuid.UUID]
    emails: list[str]
    phones: list[str]  # as staff type them: national form with a space
    phones_e164: list[str]
    customer_numbers: list[str]
    prefixes: list[str]


def bench_user() -> StaffUser:
    """A customer-service account (may view the register) for the run.

    Personal data is shown only to staff with a valid privacy training and a
    signed confidentiality attestation, so the account gets both through the
    same services the staff administration uses.
    """
    user = staff_user_create(
        actor=None,
        username=f"bench-{secrets.token_hex(4)}",
        password=secrets.token_urlsafe(24),
        role=StaffRole.CUSTOMER_SERVICE,
        first_name="Bench",
        last_name="Runner",
    )
    training_record(actor=None, user=user, completed_on=timezone.localdate())
    attestation_sign(actor=user)
    return user


def _random_rows(model: type[models.Model], count: int, rng: random.Random) -> list:
    """Primary keys of ``count`` rows picked uniformly, once each while the
    table has enough rows.

    ``ORDER BY random()``: one pass over the key's index per run. Probing
    the key space for the next key, as this did while keys were random,
    is no longer uniform: keys are time-ordered (rekisteri/core/ids.py) and
    the seeder writes them in bursts, so a probe would land in the gaps
    between batches and pick the first key of a batch again and again.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [rng.random() * 2 - 1])
    keys = list(model.objects.order_by("?").values_list("pk", flat=True)[:count])
    return [keys[i % len(keys)] for i in range(count)]


def pick_targets(count: int, seed: int = 42) -> Targets:
    rng = random.Random(seed)
    persons = _random_rows(Person, count, rng)
    # Encrypted values are read through model instances (decrypted on access).
    email_of = {
        e.person_id: e.email
        for e in PersonEmail.objects.filter(person_id__in=persons, is_primary=True)
    }
    phone_of = {
        p.person_id: p.number
        for p in PersonPhone.objects.filter(person_id__in=persons, is_primary=True)
    }
    last_of = {p.pk: p.last_name for p in Person.objects.filter(pk__in=persons)}
    org_ids = _random_rows(Organization, count, rng)
    number_of = dict(
        Organization.objects.filter(pk__in=org_ids).values_list("pk", "customer_number")
    )
    phones_e164 = [phone_of[p] for p in persons]
    return Targets(
        persons=persons,
        emails=[email_of[p] for p in persons],
        phones=[formats.format_phone(n) for n in phones_e164],
        phones_e164=phones_e164,
        customer_numbers=[number_of[o] for o in org_ids],
        prefixes=[last_of[p][:3] for p in persons],
    )


@dataclass
class Measurement:
    """One pair: the application's way and the baseline, over the targets."""

    name: str
    label: str
    app: Callable[[int], Any]
    baseline: Callable[[int], Any]
    check: Callable[[int, Any], bool]


def measurements(
    user: StaffUser, targets: Targets, client: Client
) -> list[Measurement]:
    t = targets
    search = selectors.search

    # Baselines: one ORM lookup on a plain indexed column. Emails, phones and
    # names are encrypted, so their plain indexed column is the blind index.
    email_keys = [blindindex.query_key(PersonEmail, "email", e) for e in t.emails]
    phone_keys = [blindindex.query_key(PersonPhone, "number", n) for n in t.phones_e164]
    prefix_keys = [
        blindindex.query_key(Person, "last_name", formats.search_key(p))
        for p in t.prefixes
    ]

    def index_row(keys: list[int]) -> Callable[[int], Any]:
        # [:1], not first(): first() orders by id, and PostgreSQL then walks
        # the primary key instead of the key's index.
        return lambda i: list(BlindIndex.objects.filter(key=keys[i])[:1])

    def prefix_page(i: int) -> list:
        return list(BlindIndex.objects.filter(key=prefix_keys[i])[:PAGE])

    result = [
        Measurement(
            "email",
            "Exact search by email",
            lambda i: search(user=user, q=t.emails[i]),
            index_row(email_keys),
            lambda i, r: any(p.pk == t.persons[i] for p in r.persons),
        ),
        Measurement(
            "phone",
            "Exact search by phone",
            lambda i: search(user=user, q=t.phones[i]),
            index_row(phone_keys),
            lambda i, r: any(p.pk == t.persons[i] for p in r.persons),
        ),
        Measurement(
            "customer_number",
            "Exact search by customer number",
            lambda i: search(user=user, q=t.customer_numbers[i]),
            lambda i: list(
                Organization.objects.filter(customer_number=t.customer_numbers[i])[:1]
            ),
            lambda i, r: any(
                o.customer_number == t.customer_numbers[i] for o in r.organizations
            ),
        ),
        Measurement(
            "name_prefix",
            "Name prefix (3 letters), first page of 20",
            lambda i: search(user=user, q=t.prefixes[i], limit=PAGE),
            prefix_page,
            lambda i, r: len(r.persons) > 0,
        ),
    ]
    # The header search as a user runs it: the HTMX POST of the header's form
    # (the query and the CSRF token, form-encoded as HTMX sends them, the
    # token checked) and its rendered result list, beside the selector it
    # calls, on the same queries: one pair per kind of query.
    search_path = reverse("registry:search")
    token = csrf_token(client)

    def search_request(queries: list[str]) -> Callable[[int], Any]:
        return lambda i: client.post(
            search_path,
            urlencode({"csrfmiddlewaretoken": token, "q": queries[i]}),
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
        )

    def rendered(i: int, r: Any) -> bool:
        return r.status_code == 200 and b'class="result"' in r.content

    for kind, label, queries in (
        ("name", "name prefix", t.prefixes),
        ("email", "email", t.emails),
        ("phone", "phone", t.phones),
        ("customer_number", "customer number", t.customer_numbers),
    ):
        result.append(
            Measurement(
                f"search_request_{kind}",
                f"Header search over the request (POST /search/, {label})",
                search_request(queries),
                # Bound now: the loop variable moves on.
                lambda i, queries=queries: search(user=user, q=queries[i], limit=PAGE),
                rendered,
            )
        )
    try:
        reverse("registry:person_detail", kwargs={"person_id": t.persons[0]})
    except NoReverseMatch:
        return result  # the page does not exist yet; reported as skipped
    paths = [
        reverse("registry:person_detail", kwargs={"person_id": pk}) for pk in t.persons
    ]
    result.append(
        Measurement(
            "person_page",
            "Person page, in-process (django.test.Client)",
            lambda i: client.get(paths[i]),
            lambda i: list(Person.objects.filter(pk=t.persons[i])[:1]),
            lambda i, r: r.status_code == 200,
        )
    )
    return result


def run(m: Measurement, *, iterations: int, warmup: int) -> dict[str, Any]:
    """Time ``m`` on targets warmup..warmup+iterations, after a warm-up."""
    found = 0
    for i in range(warmup):
        m.baseline(i)
        m.app(i)
    app_times, base_times = [], []
    clock = time.perf_counter
    for i in range(warmup, warmup + iterations):
        # Alternate which one goes first so neither always gets warm caches.
        if i % 2:
            t0 = clock()
            result = m.app(i)
            t1 = clock()
            m.baseline(i)
            t2 = clock()
            app_times.append(t1 - t0)
            base_times.append(t2 - t1)
        else:
            t0 = clock()
            m.baseline(i)
            t1 = clock()
            result = m.app(i)
            t2 = clock()
            base_times.append(t1 - t0)
            app_times.append(t2 - t1)
        found += bool(m.check(i, result))
    app, base = summary(app_times), summary(base_times)
    # Query counts tell where the overhead goes; counted once, untimed.
    with CaptureQueriesContext(connection) as app_queries:
        m.app(0)
    with CaptureQueriesContext(connection) as base_queries:
        m.baseline(0)
    return {
        "label": m.label,
        "app": app,
        "baseline": base,
        "queries": len(app_queries),
        "baseline_queries": len(base_queries),
        "overhead_p50": round(app["p50_ms"] / base["p50_ms"], 1),
        "overhead_p95": round(app["p95_ms"] / base["p95_ms"], 1),
        "found": round(found / iterations, 3),
    }


def logged_in_client(user: StaffUser) -> tuple[Client, str]:
    """A test client with a session for ``user``, and the session cookie.
    It checks CSRF tokens, as the server does for a browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def csrf_token(client: Client) -> str:
    """The CSRF token a page gives the client (its cookie, set by the GET
    of the search page), as a form sends it."""
    client.get(reverse("registry:search"))
    return client.cookies[settings.CSRF_COOKIE_NAME].value
