"""The demo seeder writes valid data by construction, streams, and re-runs."""

from __future__ import annotations

import gc
import io
import json
import multiprocessing
import re
import threading
import tracemalloc

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.utils import timezone

from rekisteri.core import blindindex, formats
from rekisteri.core.crypto.fields import EncryptedTextField
from rekisteri.core.errors import FieldErrors
from rekisteri.core.models import BlindIndex
from rekisteri.core.validation import clean_address
from rekisteri.demo import bulk, generator, pools, register
from rekisteri.keystore import keys
from rekisteri.registry import sealing
from rekisteri.registry.choices import Language, RoleKind
from rekisteri.registry.models import (
    ImportBatch,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)
from rekisteri.registry.sealing import business_id_q
from rekisteri.registry.services import email_owners
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"^\+358(40|50|44)\d{7}$")


def seed(organizations: int, persons: int, batch: int = 40, **options) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        organizations=organizations,
        persons=persons,
        batch=batch,
        stdout=out,
        **options,
    )
    return out.getvalue()


def assert_address_as_services_write_it(row, prefix: str) -> None:
    """The address is what ``clean_address`` makes of it, without errors."""
    p = f"{prefix}_" if prefix else ""
    data = {
        f"{p}{name}": getattr(row, f"{p}{name}")
        for name in ("street", "postal_code", "city", "country")
    }
    errors = FieldErrors()
    assert clean_address(errors, prefix, data) == data
    assert not errors.fields
    if data[f"{p}postal_code"]:
        code = data[f"{p}postal_code"]
        assert formats.normalise_postal_code(code, "FI") == code


def test_seeded_rows_pass_the_normalisers_and_constraints():
    output = seed(organizations=20, persons=100, batch=30)
    today = timezone.localdate()

    orgs = list(Organization.objects.all())
    assert len(orgs) == 20
    for org in orgs:
        org.full_clean()  # field validators, choices, uniques and constraints
        # A sole trader's name is sealed: its column's key is the pseudonym's.
        shown = sealing.pseudonym(org.customer_number) if org.sole_trader else org.name
        assert org.name_key == formats.search_key(shown)
        assert formats.is_valid_reference(org.customer_number)
        if org.business_id is None:
            assert org.vat_number == ""
        else:
            assert formats.normalise_business_id(org.business_id) == org.business_id
            assert org.vat_number == formats.vat_number_from_business_id(
                org.business_id
            )
            assert formats.normalise_vat_number(org.vat_number) == org.vat_number
        assert_address_as_services_write_it(org, "postal")
        assert_address_as_services_write_it(org, "visiting")
        assert org.postal_street and org.postal_city == org.postal_city.upper()
        assert len({o.status for o in orgs}) > 1

    persons = list(Person.objects.all())
    assert len(persons) == 100
    for person in persons:
        person.full_clean()
        # Sealed like the field layer seals, and findable by name.
        last_token = formats.search_key(person.last_name).split()[0]
        assert person.pk in blindindex.subjects_matching(
            Person, "last_name", last_token
        )
        assert person.preferred_language in Language.values
        assert_address_as_services_write_it(person, "")
        assert (person.address_provenance_id is not None) == bool(person.street)
        assert 1 <= person.emails.count() <= 2
        assert 1 <= person.phones.count() <= 2
        assert 1 <= person.roles.count() <= 2
    assert {p.preferred_language for p in persons} >= {"fi"}

    for email in PersonEmail.objects.all():
        email.full_clean()
        assert formats.normalise_email(email.email) == email.email
        assert email.email.isascii() and email.email == email.email.lower()
        assert email_owners(email.email) == {email.person_id}
    for phone in PersonPhone.objects.all():
        phone.full_clean()
        assert MOBILE.match(phone.number)
        assert formats.normalise_phone(phone.number) == phone.number
    for person in persons:
        assert [e.is_primary for e in person.emails.order_by("-is_primary")][0]
        assert [p.is_primary for p in person.phones.order_by("-is_primary")][0]

    roles = list(Role.objects.all())
    for role in roles:
        role.full_clean()
        assert role.kind in RoleKind.values
        assert role.start_date <= today
        if role.end_date is not None:
            assert role.start_date < role.end_date <= today

    # Foreign keys (deferred on both backends) hold as well.
    connection.check_constraints()

    # One import batch for the run, one provenance row per batch of rows.
    batch = ImportBatch.objects.get()
    assert batch.row_count == 120 and batch.finished_at is not None
    provenance = Provenance.objects.filter(import_batch=batch)
    assert provenance.count() == 4  # 100 persons, 30 per batch
    assert {o.provenance_id for o in orgs} <= set(
        provenance.values_list("pk", flat=True)
    )

    # Progress is printed per commit (SQLite: all four batches in one;
    # PostgreSQL: one per batch) and at the end, and carries no personal data.
    commits = 1 if connection.vendor == "sqlite" else 4
    assert output.count("persons/s") == commits + 1
    for person in persons[:20]:
        assert person.last_name not in output
    for email in [e.email for e in PersonEmail.objects.all()[:20]]:
        assert email not in output


def test_rerun_adds_more_without_collisions():
    seed(organizations=20, persons=60)
    seed(organizations=20, persons=60)
    assert Organization.objects.count() == 40
    assert Person.objects.count() == 120
    ids = [
        b
        for b in Organization.objects.values_list("business_id_digest", flat=True)
        if b
    ]
    assert len(ids) == len(set(ids))
    assert ImportBatch.objects.count() == 2


def test_values_entered_by_staff_are_left_alone():
    # The first demo organization would get this business ID.
    taken = pools.demo_business_id(1)
    org = make_org(business_id=taken)
    seed(organizations=5, persons=0)
    assert Organization.objects.filter(business_id_q([taken])).get() == org
    # (Every business ID has its digest: a sole trader's own is sealed.)
    assert Organization.objects.filter(business_id_digest__isnull=True).count() == 1


def test_an_email_entered_by_staff_is_dropped_with_its_index_entries(monkeypatch):
    """A generated address already in the register is left out, and so are
    its blind-index entries; the batch's other addresses are written."""
    staff_entered = make_person(emails=["taken.one@example.fi"])
    real_seal = register._seal_batch

    def seal_with_a_taken_address(tables, rows, **kwargs):
        if rows.emails:
            first = list(rows.emails[0])
            first[generator.EMAIL] = "taken.one@example.fi"
            rows.emails[0] = tuple(first)
        return real_seal(tables, rows, **kwargs)

    monkeypatch.setattr(register, "_seal_batch", seal_with_a_taken_address)
    register.seed(organizations=2, persons=5, batch_size=10)
    assert email_owners("taken.one@example.fi") == {staff_entered.pk}
    # Every written address has its index row, and nothing else has one.
    for email in PersonEmail.objects.exclude(person=staff_entered):
        assert email_owners(email.email) == {email.person_id}
    f = PersonEmail._meta.get_field("email")
    taken_key = blindindex.keys_for(f, "taken.one@example.fi")[0]
    assert BlindIndex.objects.filter(key=taken_key).count() == 1


@pytest.mark.parametrize("in_producer", [True, False])
def test_sealing_in_either_thread_writes_readable_rows(monkeypatch, in_producer):
    monkeypatch.setattr(register, "_SEAL_IN_PRODUCER", {connection.vendor: in_producer})
    threads = calling_threads(monkeypatch, register, "_seal_batch")
    # The key ring is read from the key store (at every use under
    # settings_test): from the producer thread, that opened a database
    # connection of the thread's own, which nothing closed.
    ring_readers = calling_threads(monkeypatch, keys, "ring_primary")
    register.seed(organizations=3, persons=12, batch_size=5)
    assert set(threads) == {"seed-demo-generator" if in_producer else "MainThread"}
    assert ring_readers and set(ring_readers) == {"MainThread"}
    persons = list(Person.objects.all())
    assert len(persons) == 12
    for person in persons:
        assert formats.search_key(person.last_name)  # decrypts, not a placeholder
        assert not hasattr(person.last_name, "reason")
        for email in person.emails.all():
            assert email_owners(email.email) == {person.pk}


def test_a_large_run_makes_and_seals_its_batches_in_a_child_process(monkeypatch):
    monkeypatch.setattr(register, "PROCESS_PERSONS", 10)
    sealed_here = calling_threads(monkeypatch, register, "_seal_batch")
    result = register.seed(organizations=3, persons=12, batch_size=5)
    # The writer sealed nothing: the three batches came sealed from the
    # child (which inherited the spy, but its calls are counted there).
    assert sealed_here == []
    assert result.persons == 12
    persons = list(Person.objects.all())
    assert len(persons) == 12
    for person in persons:
        # Readable with the key the child made: its wrapped key was stored.
        assert formats.search_key(person.last_name)
        assert not hasattr(person.last_name, "reason")
        for email in person.emails.all():
            assert email_owners(email.email) == {person.pk}
    assert multiprocessing.active_children() == []
    # Below the threshold the thread makes the batches again.
    monkeypatch.setattr(register, "PROCESS_PERSONS", 1000)
    register.seed(organizations=1, persons=5, batch_size=5)
    assert len(sealed_here) == 1


def test_the_child_process_refuses_to_use_a_database(monkeypatch):
    monkeypatch.setattr(register, "PROCESS_PERSONS", 1)

    def batch_reading_the_register(self, *args, **kwargs):
        # An inherited connection is the writer's; a statement on it would
        # interleave with the writer's own.
        Person.objects.count()

    monkeypatch.setattr(generator.Generator, "batch", batch_reading_the_register)
    with pytest.raises(RuntimeError, match="must not use a database"):
        register.seed(organizations=2, persons=5, batch_size=5)
    assert multiprocessing.active_children() == []
    assert not Person.objects.exists()


def test_a_failure_in_the_child_process_fails_the_run(monkeypatch):
    monkeypatch.setattr(register, "PROCESS_PERSONS", 1)

    def fail(*args, **kwargs):
        raise RuntimeError("no names left")

    monkeypatch.setattr(generator.Generator, "person", fail)
    with pytest.raises(RuntimeError, match="no names left"):
        register.seed(organizations=10, persons=100, batch_size=10)
    assert multiprocessing.active_children() == []

    class Unpicklable(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a} {b}")

    def fail_oddly(*args, **kwargs):
        raise Unpicklable("pools", "empty")

    monkeypatch.setattr(generator.Generator, "person", fail_oddly)
    with pytest.raises(RuntimeError, match="Unpicklable: pools empty"):
        register.seed(organizations=10, persons=100, batch_size=10)


def test_a_failing_write_ends_the_child_process(monkeypatch):
    monkeypatch.setattr(register, "PROCESS_PERSONS", 1)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(register, "_write_batch", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        # Twenty batches: the child is still making them when the writer fails.
        register.seed(organizations=20, persons=200, batch_size=10)
    assert multiprocessing.active_children() == []


def test_persons_only_run_gives_roles_at_existing_organizations():
    seed(organizations=3, persons=0)
    seed(organizations=0, persons=10)
    orgs = set(Organization.objects.values_list("pk", flat=True))
    assert Role.objects.count() >= 10
    assert set(Role.objects.values_list("organization_id", flat=True)) <= orgs


def test_empty_register_persons_get_the_fallback_domain():
    seed(organizations=0, persons=3)
    assert not Role.objects.exists()
    for email in [e.email for e in PersonEmail.objects.all()]:
        assert email.endswith("@" + generator.FALLBACK_DOMAIN)


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError):
        seed(organizations=-1, persons=1)
    with pytest.raises(CommandError):
        seed(organizations=1, persons=1, batch=0)
    with pytest.raises(CommandError):
        seed(organizations=1, persons=1, source="nowhere")


def test_memory_stays_flat_as_the_register_grows():
    """Peak memory depends on the batch size, not on the number of rows."""
    pools.pools()  # built once per process; not part of the comparison

    def peak(persons: int) -> int:
        gc.collect()
        tracemalloc.start()
        try:
            register.seed(organizations=persons // 5, persons=persons, batch_size=100)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(500), peak(2500)
    # Holding the rows would make the larger run peak about five times
    # higher; the margin absorbs allocator and garbage-collector noise.
    assert large < small * 2, (small, large)


def test_batches_cover_everything_within_the_batch_size():
    for orgs, persons, size in [(200, 1000, 300), (7, 3, 2), (0, 5, 2), (5, 0, 5)]:
        spans = list(register._batches(orgs, persons, size))
        assert sum(o2 - o1 for o1, o2, _, _ in spans) == orgs
        assert sum(p2 - p1 for _, _, p1, p2 in spans) == persons
        for o1, o2, p1, p2 in spans:
            assert 0 <= o2 - o1 <= size and 0 <= p2 - p1 <= size


def test_demo_business_ids_are_valid_and_unique():
    ids = [pools.demo_business_id(i) for i in range(1, 20_001)]
    assert len(set(ids)) == len(ids)
    for value in ids[::97]:
        assert formats.normalise_business_id(value) == value
        assert value[0] in "0123"


def test_ascii_slug_transliterates_finnish_letters():
    assert pools.ascii_slug("Äänekosken Öljy-Åberg & Co") == "aanekoskenoljyabergco"
    assert pools.ascii_slug("Renée O'Connor") == "reneeoconnor"


def calling_threads(monkeypatch, owner, name: str) -> list[str]:
    """Replace ``owner.name`` with itself, noting the name of the thread of
    each call (in this process: a child process's calls are not seen)."""
    calls: list[str] = []
    real = getattr(owner, name)

    def spy(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def generator_threads() -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t.name == "seed-demo-generator" and t.is_alive()
    ]


def test_batches_are_committed_together_and_a_failure_keeps_earlier_commits(
    monkeypatch,
):
    seen = []
    register.seed(
        organizations=10,
        persons=100,
        batch_size=10,
        commit_persons=30,
        progress=lambda p: seen.append((p.batch, p.persons)),
    )
    # Three batches per commit; the last commit takes what is left.
    assert seen == [(3, 30), (6, 60), (9, 90), (10, 100)]

    real_write = register._write_batch
    calls = []

    def fail_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(register, "_write_batch", fail_fifth)
    with pytest.raises(RuntimeError, match="disk full"):
        register.seed(organizations=10, persons=100, batch_size=10, commit_persons=30)
    # The first three batches were committed; the fourth, in the open
    # commit with the failing fifth, was rolled back with it.
    assert Person.objects.count() == 100 + 30
    with pytest.raises(ValueError):
        register.seed(organizations=1, persons=1, commit_persons=0)


def test_a_failing_write_stops_the_generator(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(register, "_write_batch", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        register.seed(organizations=10, persons=100, batch_size=10)
    assert generator_threads() == []


def test_a_failing_generator_fails_the_run(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("no names left")

    monkeypatch.setattr(generator.Generator, "person", fail)
    with pytest.raises(RuntimeError, match="no names left"):
        register.seed(organizations=10, persons=100, batch_size=10)
    assert generator_threads() == []


def test_writer_refuses_columns_it_cannot_write_directly():
    class Transformed(models.CharField):
        """Stands for a field that changes values on the way in."""

    assert not bulk._plain(Transformed(max_length=10))
    for model in (Organization, Person, PersonEmail, PersonPhone, Role):
        assert all(
            bulk._plain(f) or isinstance(f, EncryptedTextField)
            for f in model._meta.concrete_fields
        )
    with pytest.raises(ImproperlyConfigured, match="missing"):
        bulk.Table(Person, generator.PERSON_COLUMNS[:-1])


def test_the_demo_seeder_seals_its_sole_traders():
    """A sole trader is written as Organization.save writes it
    (registry/sealing.py): stand-ins in the columns, the values sealed."""
    seed(organizations=60, persons=10)
    traders = list(Organization.objects.filter(sole_trader=True))
    assert traders
    for org in traders:
        raw = Organization.objects.filter(pk=org.pk).values("name").get()
        assert raw["name"] == f"[{org.customer_number}]"
        assert not org.name.startswith("[")
        document = json.loads(org.sole_trader_sealed)
        assert document["name"] == org.name
    with_ids = Organization.objects.exclude(business_id_digest=None).count()
    assert with_ids >= Organization.objects.exclude(business_id=None).count()
