"""Demo data: a Finnish-looking customer register generated at speed.

The generator skips the per-row validation of
:mod:`rekisteri.registry.services` and writes plain tuples straight to the
tables, so everything it produces must be valid by construction: business
IDs carry their check digit, postcodes are five digits, phones are E.164
Finnish mobiles, emails are lowercase ASCII and globally unique, and the
search keys are computed with the same :func:`rekisteri.core.formats.search_key`
the services use. The tests run every generated row back through the
normalisers and the model validation to prove it.

It streams: each batch (a slice of the organizations and the persons who
work for them) is generated, written and dropped, so memory stays flat from
a thousand persons to millions; on SQLite several batches share a commit
(``SQLITE_COMMIT_PERSONS``). A producer generates the next batch while the
database writes the current one: a thread for a small run, and for a large
one a child process that also seals it (``PROCESS_PERSONS``). Names,
streets and cities come from pools built once from Faker's Finnish, Swedish
and English data and combined with a seeded :class:`random.Random`; calling
Faker per row would be the bottleneck.

Uniqueness across runs comes from two counters in the ``Sequence`` table
(``demo_organization`` and ``demo_person``): every run reserves its index
ranges up front, so a re-run, even a concurrent one, never repeats a business
ID or an email address. Values entered by staff that happen to collide are
looked up per batch and left out rather than failing the batch.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import pickle
import queue
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, connections, models, transaction
from django.utils import timezone

from rekisteri.core import blindindex, idlist, keyring
from rekisteri.core.bulkload import GrowingTables, sqlite_bulk_settings
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.models import BlindIndex
from rekisteri.core.sequences import sequence_next
from rekisteri.demo import bulk as demo_bulk
from rekisteri.demo.bulk import Table, insert_blind_index
from rekisteri.demo.generator import (
    BUSINESS_ID,
    CUSTOMER_NUMBER,
    EMAIL,
    EMAIL_COLUMNS,
    ORG_COLUMNS,
    PERSON_COLUMNS,
    PHONE_COLUMNS,
    ROLE_COLUMNS,
    VAT_NUMBER,
    Batch,
    Generator,
    OrgRef,
    Progress,
    Rows,
    SealedRows,
    SeedResult,
)
from rekisteri.demo.pools import ascii_slug
from rekisteri.registry import sealing
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)
from rekisteri.registry.services import customer_numbers, email_owners

DEFAULT_BATCH = 5000
DEFAULT_SOURCE = "customer_company"
# Persons get roles at organizations of their own batch; a small window of
# recent organizations covers batches that create few or none.
ORG_WINDOW = 200

# Persons per commit on SQLite. Random keys spread each batch's rows over
# most pages of a dozen indexes, and SQLite writes every page a transaction
# dirtied to the write-ahead log at its commit: committing 5,000 persons at a
# time rewrites the same index pages again and again as the register grows.
# Batches stay 5,000 persons (Python's memory does not grow); only commits
# are rarer. Measured at 300,000 persons: 3,155 persons/s committing every
# batch, 3,948 every 50,000 persons, 4,084 with the 1 GiB page cache below.
SQLITE_COMMIT_PERSONS = 50_000


def _commit_persons(wanted: int | None) -> int:
    if wanted is not None:
        if wanted < 1:
            raise ValueError("persons per commit must be at least 1")
        return wanted
    if connection.vendor == "sqlite":
        return SQLITE_COMMIT_PERSONS
    return 1  # PostgreSQL: a commit per batch costs little


def _batches(organizations: int, persons: int, size: int) -> Iterator[tuple]:
    """(org_from, org_to, person_from, person_to) per batch.

    Organizations are spread over the batches in proportion so each batch
    holds a slice of companies and the people who work for them; neither
    kind of row exceeds ``size`` in one batch.
    """
    total = max(organizations, persons)
    count = math.ceil(total / size) if total else 0
    for b in range(count):
        lo, hi = b * size, min((b + 1) * size, total)
        yield (
            organizations * lo // total,
            organizations * hi // total,
            persons * lo // total,
            persons * hi // total,
        )


def _existing_orgs(limit: int) -> list[OrgRef]:
    """Organizations already in the register, for a persons-only run."""
    rows = Organization.objects.order_by("-created_at").values_list(
        "id", "name", "status"
    )[:limit]
    return [
        OrgRef(pk.hex, f"{ascii_slug(name) or 'yritys'}.fi", status == "former")
        for pk, name, status in rows
    ]


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def seed(
    *,
    organizations: int,
    persons: int,
    batch_size: int = DEFAULT_BATCH,
    seed: int = 1,
    source: str = DEFAULT_SOURCE,
    progress: Callable[[Progress], None] | None = None,
    commit_persons: int | None = None,
) -> SeedResult:
    """Add ``organizations`` and ``persons`` demo rows to the register.

    One ImportBatch records the run; each batch of rows shares one Provenance
    row, because its values were obtained together. Batches are committed
    together, about ``commit_persons`` persons at a time (default: see
    :func:`_commit_persons`); ``progress`` is called after each commit, and a
    failure rolls back only the batches since the last one. Raises ValueError
    on a negative count, a zero batch size or an unknown data source.
    """
    if organizations < 0 or persons < 0:
        raise ValueError("counts must not be negative")
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    per_commit = max(1, math.ceil(_commit_persons(commit_persons) / batch_size))
    data_source = DataSource.objects.filter(code=source, is_active=True).first()
    if data_source is None:
        raise ValueError(f"unknown data source {source!r}")

    started = time.perf_counter()
    with transaction.atomic():
        org_base = (
            sequence_next("demo_organization", start=1, count=organizations)
            if organizations
            else 0
        )
        person_base = (
            sequence_next("demo_person", start=1, count=persons) if persons else 0
        )
        import_batch = ImportBatch.objects.create(
            source=data_source, description=f"Demo data (seed {seed})"
        )
    # The counters make each run differ from the last one, while the same
    # seed on the same register state reproduces it.
    gen = Generator(
        random.Random(f"{seed}:{org_base}:{person_base}"), timezone.localdate()
    )
    window: deque[OrgRef] = deque(maxlen=ORG_WINDOW)
    if persons and not organizations:
        window.extend(_existing_orgs(ORG_WINDOW))
    spans = [
        (
            range(org_base + o_from, org_base + o_to),
            range(person_base + p_from, person_base + p_to),
        )
        for o_from, o_to, p_from, p_to in _batches(organizations, persons, batch_size)
    ]
    tables = _Tables()
    totals = dict(
        organizations=0, persons=0, emails=0, phones=0, roles=0, blind_index=0
    )

    keyring.provider()  # loaded here: a key error surfaces before any thread starts
    # Each batch asks the blind index which of its addresses exist and the
    # organizations which of its business IDs: their statistics are kept
    # as they grow (core/bulkload.py).
    statistics = GrowingTables(BlindIndex, Organization)
    producer = _producer(gen, spans, window, tables, persons=persons)
    producer.start()
    try:
        with sqlite_bulk_settings(), ExitStack() as open_transaction:
            pending = 0
            for batch in producer:
                if not pending:
                    open_transaction.enter_context(transaction.atomic())
                written = _write_batch(
                    tables,
                    batch,
                    data_source=data_source,
                    import_batch=import_batch,
                )
                for key, value in written.items():
                    totals[key] += value
                pending += 1
                if pending < per_commit and batch.number < len(spans):
                    continue
                open_transaction.close()  # commit
                pending = 0
                statistics.loaded(totals["blind_index"])
                if progress is not None:
                    progress(
                        Progress(
                            batch=batch.number,
                            batches=len(spans),
                            organizations=totals["organizations"],
                            persons=totals["persons"],
                            rows=sum(totals.values()),
                            seconds=time.perf_counter() - started,
                        )
                    )
    finally:
        producer.close()

    ImportBatch.objects.filter(pk=import_batch.pk).update(
        finished_at=timezone.now(),
        row_count=totals["organizations"] + totals["persons"],
    )
    return SeedResult(
        import_batch_id=import_batch.pk,
        seconds=time.perf_counter() - started,
        **totals,
    )


def _seal_batch(
    tables: _Tables, rows: Rows, *, wrap_with: tuple | None = None
) -> SealedRows:
    """New data keys for the batch's persons, and their rows sealed
    (``wrap_with``: the master key, resolved beforehand; keyring.new_keys)."""
    subjects = [uuid.UUID(row[0]) for row in rows.persons]
    key_rows, new = keyring.new_keys(
        subjects, KeyClass.CRM, postgres=tables.postgres_keys, wrap_with=wrap_with
    )
    ciphers = {(sid.hex, KeyClass.CRM.value): (1, AESGCM(k)) for sid, k in new.items()}
    persons, person_index = tables.persons.seal(rows.persons, ciphers)
    emails, email_index = tables.emails.seal(rows.emails, ciphers)
    phones, phone_index = tables.phones.seal(rows.phones, ciphers)
    roles, role_index = tables.roles.seal(rows.roles, ciphers)
    return SealedRows(
        key_rows=key_rows,
        persons=persons,
        emails=emails,
        email_plain=[row[EMAIL] for row in rows.emails],
        email_index=email_index,
        phones=phones,
        roles=roles,
        index=[
            entry
            for per_row in (person_index, phone_index, role_index)
            for entries in per_row
            for entry in entries
        ],
    )


# Where a batch is sealed. PostgreSQL works in its own process while the
# writer waits, so sealing the next batch meanwhile is nearly free. SQLite
# works inside this process and takes the GIL back after every row, so a
# producer busy sealing would make the writer queue for it row by row
# (measured at 100,000 persons: 3,680 persons/s sealing in the writer
# against 3,242 in the producer).
_SEAL_IN_PRODUCER = {"postgresql": True}


@dataclass
class _Plan:
    """What a producer makes: the run's batches, in order, from the
    generator, each span's organizations and persons, and the window of
    organizations roles may point at; sealed with ``tables`` under the
    master key ``wrap_with`` (``keyring.wrapping_key``, resolved by the
    writer: a producer never reads the key ring)."""

    gen: Generator
    spans: list[tuple[range, range]]
    window: deque[OrgRef]
    tables: _Tables
    wrap_with: tuple

    def produce(
        self, put: Callable[[Batch | BaseException | None], bool], *, seal: bool
    ) -> None:
        """Each batch (sealed when ``seal``), then the end mark (None),
        handed to ``put``; a failure is handed over in place of a batch.
        ``put`` returns False once the writer has stopped."""
        try:
            for number, (org_indexes, person_indexes) in enumerate(self.spans, 1):
                batch = self.gen.batch(number, org_indexes, person_indexes, self.window)
                if seal:
                    batch.sealed = _seal_batch(
                        self.tables, batch.rows, wrap_with=self.wrap_with
                    )
                if not put(batch):
                    return
            put(None)
        except BaseException as exc:  # handed to the writer, which raises it
            put(exc)


class _Producer(threading.Thread):
    """Generates batches one step ahead of the writer, in its own thread.

    SQLite and psycopg release the GIL while the database works, so making
    the next batch overlaps with writing this one; on PostgreSQL that
    includes creating its data keys, sealing it and computing its
    blind-index terms (see ``_SEAL_IN_PRODUCER``). The queue holds
    one finished batch, so at most three exist at a time: memory stays flat.
    The thread never touches the database: the master key its new data
    keys are wrapped under is resolved by the writer (``wrap_with``), where
    reading the key ring from the thread opened a connection of the
    thread's own that nothing closed.
    """

    def __init__(self, plan: _Plan, *, seal: bool) -> None:
        super().__init__(name="seed-demo-generator", daemon=True)
        self.plan = plan
        self.seal = seal
        self.queue: queue.Queue[Batch | BaseException | None] = queue.Queue(1)
        self.stopping = threading.Event()

    def run(self) -> None:
        self.plan.produce(self._put, seal=self.seal)

    def _put(self, item: Batch | BaseException | None) -> bool:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Batch]:
        return _handed_over(self.queue.get)

    def close(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def _handed_over(
    next_item: Callable[[], Batch | BaseException | None],
) -> Iterator[Batch]:
    """A producer's batches until its end mark (None); a failure it hands
    over instead of a batch is raised here, in the writer."""
    while True:
        item = next_item()
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


# A run of this many persons or more makes and seals its batches in a child
# process, where the platform can fork one: the writer and the producer then
# use two cores, where two threads share one interpreter lock. At 100,000
# persons on SQLite the writer spent 8.8 s of its 26.5 s sealing and 14.9 s
# writing (docs/benchmarks.md, 2026-12-06 12:40–15:00). Below it, starting a
# process and passing each batch through a pipe would cost more than it saves.
PROCESS_PERSONS = 50_000


def _producer(
    gen: Generator,
    spans: list[tuple[range, range]],
    window: deque[OrgRef],
    tables: _Tables,
    *,
    persons: int,
) -> _Producer | _ProcessProducer:
    # The master key new data keys are wrapped under, read from the key
    # ring here, once: a producer must not use the database. A primary key
    # changed during the run takes effect at the next run; the one used
    # stays configured, as rotation requires (docs/security.md).
    plan = _Plan(gen, spans, window, tables, keyring.wrapping_key())
    if persons >= PROCESS_PERSONS and "fork" in multiprocessing.get_all_start_methods():
        return _ProcessProducer(plan)
    return _Producer(plan, seal=_SEAL_IN_PRODUCER.get(connection.vendor, False))


class _ProcessProducer:
    """Generates and seals batches one step ahead of the writer, in a
    child process (forked: it inherits the generator, the pools and the
    loaded master key, and imports nothing again).

    The child never touches a database: the connections it inherited are
    the parent's, and a statement on one of them would interleave with the
    parent's on the same socket or file. Every connection refuses
    statements in the child, the master key to wrap under is resolved
    before the fork (``_producer``), and the child ends with ``os._exit``
    (multiprocessing's), so no inherited connection is closed there either.

    A batch goes through a pipe: the child blocks in ``send`` until the
    writer reads the previous one, so at most three batches exist at a
    time, as with the thread. Only the wrapped data keys travel; the plain
    keys stay in the child. A failure in the child is raised in the
    writer; the writer's ``close`` closes the pipe, which ends the child.
    """

    def __init__(self, plan: _Plan) -> None:
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_produce,
            args=(send, plan),
            name="seed-demo-generator",
            daemon=True,
        )
        self.send = send

    def start(self) -> None:
        self.process.start()
        self.send.close()  # the child's end: the writer sees EOF if it dies

    def __iter__(self) -> Iterator[Batch]:
        return _handed_over(self._receive)

    def _receive(self) -> Batch | BaseException | None:
        try:
            return self.receive.recv()
        except EOFError:
            self.process.join(timeout=5)
            raise RuntimeError(
                "the demo data generator process ended without finishing "
                f"(exit code {self.process.exitcode})"
            ) from None

    def close(self) -> None:
        self.receive.close()  # a child waiting in send() gets a broken pipe
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _produce(send: multiprocessing.connection.Connection, plan: _Plan) -> None:
    """The child process of :class:`_ProcessProducer`: the plan's batches,
    sealed, through the pipe."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the demo data generator process must not use a database")

    def put(item: Batch | BaseException | None) -> bool:
        if isinstance(item, Batch):
            # The writer needs the organizations' plain rows (it numbers
            # them) and only the sealed ones of the rest: half the pickle.
            rows = item.rows
            rows.persons = rows.emails = rows.phones = rows.roles = []
        elif isinstance(item, BaseException):
            item = _transferable(item)
        try:
            send.send(item)
        except (BrokenPipeError, ConnectionResetError):
            return False  # the writer stopped and closed its end
        return True

    for conn in connections.all():
        conn.execute_wrappers.append(refuse)
    plan.produce(put, seal=True)


def _transferable(exc: BaseException) -> BaseException:
    """``exc`` if it survives the pipe, else a RuntimeError that names it."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 (our own bytes)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class _Tables:
    """The writers of one run (built once: they read the models' metadata)."""

    def __init__(self) -> None:
        self.organizations = Table(Organization, ORG_COLUMNS)
        self.persons = Table(Person, PERSON_COLUMNS)
        self.emails = Table(PersonEmail, EMAIL_COLUMNS)
        self.phones = Table(PersonPhone, PHONE_COLUMNS)
        self.roles = Table(Role, ROLE_COLUMNS)
        # New data keys go in the key store's own form (UUIDs or hex text).
        self.postgres_keys = connections[keyring.KEYSTORE_DB].vendor == "postgresql"


def _write_batch(
    tables: _Tables,
    batch: Batch,
    *,
    data_source: DataSource,
    import_batch: ImportBatch,
) -> dict[str, int]:
    """Insert one generated batch; must run inside a transaction."""
    rows = batch.rows
    Provenance.objects.create(
        id=uuid.UUID(batch.provenance_id),
        source=data_source,
        obtained_at=batch.obtained_at,
        import_batch=import_batch,
    )
    numbers = customer_numbers(len(rows.organizations)) if rows.organizations else []
    organizations = _without_taken_business_ids(
        [
            (*row[:CUSTOMER_NUMBER], number, *row[CUSTOMER_NUMBER + 1 :])
            for row, number in zip(rows.organizations, numbers, strict=True)
        ]
    )
    organizations, org_keys, org_index = _seal_sole_traders(tables, organizations)
    sealed = batch.sealed or _seal_batch(tables, rows)
    emails, email_index = _without_taken_emails(sealed)
    # Keys first, committed in the key store: rows never outlive their key.
    keyring.store_new_keys(sealed.key_rows + org_keys)
    index = sealed.index + org_index + [e for entries in email_index for e in entries]
    # Parents before children.
    return dict(
        organizations=tables.organizations.insert(organizations),
        persons=tables.persons.insert(sealed.persons),
        emails=tables.emails.insert(emails),
        phones=tables.phones.insert(sealed.phones),
        roles=tables.roles.insert(sealed.roles),
        blind_index=insert_blind_index(index),
    )


_ORG = {name: i for i, name in enumerate(ORG_COLUMNS)}


def _seal_sole_traders(
    tables: _Tables, rows: list[tuple]
) -> tuple[list[tuple], list[tuple], list[tuple[int, str]]]:
    """The organizations as ``Organization.save`` would store them
    (registry/sealing.py): each business ID's digest, and a sole trader's
    values sealed under a new key of its own, its columns holding the
    stand-ins and its name in the blind index. Returns the rows, the new
    keys' rows and the index entries."""
    sole = [row for row in rows if row[_ORG["sole_trader"]]]
    key_rows, new = (
        keyring.new_keys(
            [uuid.UUID(row[0]) for row in sole],
            KeyClass.CRM,
            postgres=tables.postgres_keys,
        )
        if sole
        else ([], {})
    )
    ciphers = {(sid.hex, KeyClass.CRM.value): (1, AESGCM(k)) for sid, k in new.items()}
    document = Organization._meta.get_field(sealing.DOCUMENT)
    index_key = keyring.provider().index_key()
    stand = Organization()
    out, index = [], []
    for row in rows:
        values = list(row)
        bid = values[BUSINESS_ID]
        values[_ORG[sealing.DIGEST]] = sealing.digest(bid) if bid else None
        if values[_ORG["sole_trader"]]:
            h = values[0]
            sealed = {n: values[_ORG[n]] for n in sealing.sealed_names(Organization)}
            sealed["registered_names"] = json.loads(sealed["registered_names"])
            stand.customer_number = values[CUSTOMER_NUMBER]
            for n in sealing.together(Organization) - {
                sealing.DOCUMENT,
                sealing.DIGEST,
            }:
                standin = sealing.standin(stand, n)
                values[_ORG[n]] = json.dumps(standin) if standin == [] else standin
            row_id = str(uuid.UUID(h))
            text = json.dumps(sealed, ensure_ascii=False, sort_keys=True)
            # Through the module: the benchmark's plaintext baseline replaces it.
            values[_ORG[sealing.DOCUMENT]] = demo_bulk.seal_value(
                ciphers, h, document, row_id, text
            )
            index.extend(
                (k, h)
                for k in set(
                    blindindex.keys_for_label(
                        sealing.NAME_LABEL, "name", sealed["name"], index_key=index_key
                    )
                )
            )
        out.append(tuple(values))
    return out, key_rows, index


def _existing(
    model: type[models.Model], name: str, values: list[Any], *, text: bool = False
) -> set[Any]:
    """Those of ``values`` that column ``name`` of ``model`` already holds
    (``text``: a text column's values). The values are bound as one
    parameter (core/idlist.py): an IN list of thousands cost more to prepare
    value by value, and to parse, than the index lookups."""
    if not values:
        return set()
    return set(
        model.objects.filter(idlist.among(name, values, text=text)).values_list(
            name, flat=True
        )
    )


def _without_taken_business_ids(rows: list[tuple]) -> list[tuple]:
    """Drop business IDs already in the register (entered by staff)."""
    # By the keyed digest: a sole trader's business ID is sealed.
    digests = {
        sealing.digest(row[BUSINESS_ID]): row[BUSINESS_ID]
        for row in rows
        if row[BUSINESS_ID]
    }
    taken = {
        digests[d]
        for d in _existing(Organization, sealing.DIGEST, list(digests), text=True)
    }
    if not taken:
        return rows
    out = []
    for row in rows:
        if row[BUSINESS_ID] in taken:
            values = list(row)
            values[BUSINESS_ID], values[VAT_NUMBER] = None, ""
            row = tuple(values)
        out.append(row)
    return out


def _without_taken_emails(
    sealed: SealedRows,
) -> tuple[list[tuple], list[list[tuple[int, str]]]]:
    """The batch's email rows and index entries, less addresses already in
    the register (entered by staff).

    Addresses are encrypted, so they are looked up by blind index; the rare
    hit is confirmed by decryption before a row is dropped.
    """
    wanted = sorted({k for entries in sealed.email_index for k, _ in entries})
    hits = _existing(BlindIndex, "key", wanted)
    if not hits:
        return sealed.emails, sealed.email_index
    rows, index = [], []
    for row, plain, entries in zip(
        sealed.emails, sealed.email_plain, sealed.email_index, strict=True
    ):
        if any(k in hits for k, _ in entries) and email_owners(plain):
            continue  # confirmed after decryption
        rows.append(row)
        index.append(entries)
    return rows, index


def register_is_empty() -> bool:
    """True when the register holds no organizations and no persons."""
    return not (Organization.objects.exists() or Person.objects.exists())
