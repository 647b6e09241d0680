"""Third-party contact lists: reading, matching, fates, Art. 14 tasks.

The lists are written here the way vendors send them: semicolon CSV in
UTF-8 with a byte-order mark, Windows-1252 CSV, and XLSX, a few hundred
rows with the defects real lists have (bad addresses, a missing name, a
formula-like cell, a duplicate, a row with an extra cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from faker import Faker

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.connectors.contacts import importer, inform
from rekisteri.connectors.contacts.reader import open_contacts
from rekisteri.connectors.models import InformTask
from rekisteri.core.errors import Forbidden, ValidationFailed
from rekisteri.keystore import keys
from rekisteri.privacy import services as privacy
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.restrictions import suppression
from rekisteri.restrictions.models import SuppressedContact
from rekisteri.testing import business_id, client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

HEADERS = [
    "Etunimi",
    "Sukunimi",
    "Sähköposti",
    "Puhelin",
    "Y-tunnus",
    "Yritys",
    "Titteli",
    "Kieli",
]
COLUMNS = {
    "first_name": "Etunimi",
    "last_name": "Sukunimi",
    "email": "Sähköposti",
    "phone": "Puhelin",
    "business_id": "Y-tunnus",
    "organization_name": "Yritys",
    "title": "Titteli",
    "language": "Kieli",
}
SUPPRESSED = "kielto.markkinointi@example.fi"


@pytest.fixture(autouse=True)
def _profile():
    privacy.profile_load_seed(actor=None)


def _rows(n: int, seed: int = 7) -> list[list[str]]:
    fake = Faker("fi_FI")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    companies = [
        (business_id(9100 + 10 * i), f"{fake.company()} {i}") for i in range(12)
    ]
    rows = []
    for i in range(n):
        bid, company = companies[rng.randrange(len(companies))]
        first, last = fake.first_name(), fake.last_name()
        rows.append(
            [
                first,
                last,
                f"henkilo{i}.{seed}@example.fi",
                f"040 {1000000 + i * 7 + seed:07d}",
                bid,
                company,
                fake.job()[:60],
                rng.choice(["fi", "sv", "en", ""]),
            ]
        )
    return rows


def _defects(rows: list[list[str]]) -> list[list[str]]:
    bad = [list(r) for r in rows[:6]]
    bad[0][2] = "ei-osoite"  # invalid email
    bad[1][4] = "1234567-8"  # wrong check digit
    bad[2][1] = ""  # no last name
    bad[3][6] = '=HYPERLINK("http://evil.example/","x")'  # a formula-like title
    bad[3][2] = "kaava@example.fi"
    bad[3][3] = "040 9990001"
    bad[4][2] = SUPPRESSED
    bad[4][3] = "040 9990002"
    bad[5] = list(rows[10])  # the same person again
    return bad


def _csv(path: Path, rows, *, encoding="utf-8-sig", delimiter=";") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _mapping(**kw):
    return importer.mapping_save(
        actor=None,
        name=kw.pop("name", "fonecta"),
        source=kw.pop("source", "fonecta"),
        columns=kw.pop("columns", COLUMNS),
        **kw,
    )


def _suppress(address: str) -> None:
    SuppressedContact.objects.create(
        kind="email", digest=suppression.digest("email", address)
    )


@pytest.mark.parametrize("row_by_row", [False, True], ids=["bulk", "row_by_row"])
def test_a_list_twice_adds_nothing_the_second_time(tmp_path, row_by_row):
    existing = make_org(name="Olemassa Oy", business_id=business_id(9100))
    _suppress(SUPPRESSED)
    rows = _rows(300)
    path = _csv(tmp_path / "lista.csv", rows + _defects(rows))
    mapping = _mapping()
    first = importer.import_contacts(
        actor=None, path=path, mapping=mapping, row_by_row=row_by_row
    )
    s = first.summary()
    assert s["rows"] == 306
    assert s["create"] == 301  # 300 + the formula-like title row
    assert s["error"] == 3 and s["suppressed"] == 1 and s["duplicate"] == 1
    assert s["organizations_created"] == 11  # the twelfth was in the register
    assert Person.objects.count() == 301
    assert s["inform_tasks"] == 301
    errors = {r.number: r.reasons for r in first.rows if r.fate == "error"}
    assert sorted(errors) == [302, 303, 304]
    assert any("Y-tunnus" in m or "Business ID" in m for m in errors[303])
    assert existing.roles.count() >= 1
    second = importer.import_contacts(actor=None, path=path, mapping=mapping)
    t = second.summary()
    assert (t["create"], t["update"], t["unchanged"]) == (0, 0, 301)
    assert t["inform_tasks"] == 0 and t["organizations_created"] == 0
    assert Person.objects.count() == 301
    assert Organization.objects.count() == 12


def test_values_keep_their_source_and_batch(tmp_path):
    rows = _rows(5)
    path = _csv(tmp_path / "l.csv", rows)
    report = importer.import_contacts(actor=None, path=path, mapping=_mapping())
    person = Person.objects.get(pk=report.rows[0].person_id)
    with keys.ensure_scope():
        email = person.emails.get()
        assert email.email == rows[0][2]
    assert person.name_provenance.source.code == "fonecta"
    assert person.name_provenance.import_batch_id == report.batch_id
    assert email.provenance.import_batch_id == report.batch_id
    role = Role.objects.get(person=person)
    assert role.provenance.source.code == "fonecta"
    assert role.kind == "contact"


def test_a_formula_like_cell_is_kept_as_text(tmp_path):
    rows = _rows(4)
    rows[0][6] = "=1+2"
    path = _csv(tmp_path / "l.csv", rows)
    report = importer.import_contacts(actor=None, path=path, mapping=_mapping())
    role = Role.objects.get(person_id=report.rows[0].person_id)
    with keys.ensure_scope():
        assert role.title == "=1+2"


def test_a_dry_run_writes_nothing_and_tells_each_rows_fate(tmp_path):
    rows = _rows(20)
    make_person(first_name="Jo", last_name="Olemassa", emails=[rows[3][2]])
    path = _csv(tmp_path / "l.csv", rows + _defects(rows)[:1])
    mapping = _mapping()
    before = (Person.objects.count(), AuditEvent.objects.count())
    report = importer.import_contacts(
        actor=None, path=path, mapping=mapping, dry_run=True
    )
    assert (Person.objects.count(), AuditEvent.objects.count()) == before
    assert not InformTask.objects.exists() and report.batch_id is None
    fates = {r.number: r.fate for r in report.rows}
    assert fates[5] == "update"  # matched by email, gets phone and role
    assert fates[22] == "error"
    assert report.summary()["create"] == 19


def test_a_matched_person_only_gets_what_they_lack(tmp_path):
    rows = _rows(1)
    person = make_person(first_name="Toinen", last_name="Nimi", emails=[rows[0][2]])
    path = _csv(tmp_path / "l.csv", rows)
    report = importer.import_contacts(actor=None, path=path, mapping=_mapping())
    outcome = report.rows[0]
    assert outcome.fate == "update" and outcome.person_id == person.pk
    assert any("name" in r or "nimi" in r for r in outcome.reasons)
    person = Person.objects.get(pk=person.pk)
    with keys.ensure_scope():
        assert (person.first_name, person.last_name) == ("Toinen", "Nimi")
        assert [p.number for p in person.phones.all()] == ["+35840" + rows[0][3][4:]]
    assert InformTask.objects.filter(person=person).count() == 1


def test_windows_1252_and_xlsx_read_the_same_rows(tmp_path):
    rows = _rows(30, seed=3)
    rows[0][1] = "Äijälä"
    latin = _csv(tmp_path / "l.csv", rows, encoding="cp1252")
    opened = open_contacts(latin)
    assert opened.encoding == "windows-1252" and opened.notes
    assert next(opened.rows)[1]["Sukunimi"] == "Äijälä"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for r in rows:
        sheet.append(r)
    sheet.append(["Kaava", "Solu", "kaava.solu@example.fi", "", rows[0][4]])
    sheet["G32"] = "=1+1"
    book.save(tmp_path / "l.xlsx")
    report = importer.import_contacts(
        actor=None, path=tmp_path / "l.xlsx", mapping=_mapping()
    )
    assert report.summary()["create"] == 31
    with keys.ensure_scope():
        assert Person.objects.filter(pk=report.rows[0].person_id).get().last_name == (
            "Äijälä"
        )


def _restated(path: Path, dimension: str) -> Path:
    """``path`` with its sheet's stated dimension replaced, as the writers
    that get it wrong leave it (the data unchanged)."""
    out = path.with_name(f"dim-{dimension.replace(':', '-')}.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ")
                end = data.index(b">", start) + 1
                stated = f'<dimension ref="{dimension}"/>'.encode()
                data = data[:start] + stated + data[end:]
            dst.writestr(item, data)
    return out


@pytest.mark.parametrize(
    "dimension",
    # WPS Office writes the first cell's (pandas-dev/pandas#39001,
    # langgenius/dify#1039); one smaller than the data cut its columns and
    # rows (pandas' dimension_small.xlsx).
    ["A1", "A1:C3"],
)
def test_an_xlsx_whose_stated_dimension_is_wrong_reads_every_row(tmp_path, dimension):
    from openpyxl import Workbook

    rows = _rows(12, seed=5)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for r in rows:
        sheet.append(r)
    book.save(tmp_path / "l.xlsx")
    opened = open_contacts(_restated(tmp_path / "l.xlsx", dimension))
    assert opened.headers == HEADERS
    read = [row for _n, row in opened.rows]
    assert [r["Sähköposti"] for r in read] == [r[2] for r in rows]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excels_unicode_text_reads_the_same_rows(tmp_path, encoding):
    # Excel's "Unicode Text" (and "CSV UTF-16"): UTF-16 with its byte order
    # mark, tab-separated.
    rows = _rows(5, seed=4)
    rows[0][1] = "Äijälä"
    path = tmp_path / "l.txt"
    data = "\r\n".join("\t".join(r) for r in [HEADERS, *rows]) + "\r\n"
    bom = "\ufeff" if encoding == "utf-16-be" else ""
    path.write_bytes((bom + data).encode(encoding))
    opened = open_contacts(path)
    assert opened.encoding.startswith("utf-16") and not opened.notes
    assert opened.headers == HEADERS
    read = list(opened.rows)
    assert [r[0] for r in read] == [2, 3, 4, 5, 6]
    assert read[0][1]["Sukunimi"] == "Äijälä"
    assert [list(r[1].values()) for r in read] == rows


def test_excels_separator_line_is_not_the_header(tmp_path):
    # "sep=;" on the first line tells Excel the delimiter; Excel hides it,
    # so the header is row 1 of what the user sees.
    rows = _rows(3, seed=5)
    path = tmp_path / "l.csv"
    body = io.StringIO()
    csv.writer(body, delimiter=",").writerows([HEADERS, *rows])
    path.write_text("sep=,\r\n" + body.getvalue(), encoding="utf-8")
    opened = open_contacts(path)
    assert opened.headers == HEADERS
    read = list(opened.rows)
    assert [r[0] for r in read] == [2, 3, 4]
    assert [list(r[1].values()) for r in read] == rows


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_utf8_character_cut_by_the_sniffed_sample_keeps_the_file_utf8(tmp_path, bom):
    # The encoding and the delimiter are sniffed from the first 256 KiB; a
    # file whose two-byte "Ä" straddles that point is still UTF-8.
    header = (";".join(HEADERS) + "\r\n").encode()
    row = "Matti;Äijälä;m@example.fi;;;;;\r\n".encode()
    filler = b"Maija;Virtanen;v@example.fi;;;;;\r\n"
    data = bom + header
    while len(data) + len(filler) < 256 * 1024 - 3:
        data += filler
    # "Matti;" is six bytes: the "Ä" after it starts at the sample's last byte.
    data += b"x" * (256 * 1024 - 7 - 2 - len(data)) + b"\r\n"
    cut = data + row
    assert cut[256 * 1024 - 1 : 256 * 1024 + 1].decode("utf-8") == "Ä"
    path = tmp_path / "l.csv"
    path.write_bytes(cut)
    opened = open_contacts(path)
    assert opened.encoding.startswith("utf-8") and not opened.notes
    assert list(opened.rows)[-1][1]["Sukunimi"] == "Äijälä"


def test_numbers_that_excel_stripped_of_leading_zeros_are_read(tmp_path):
    # Excel turns "00100" into the number 100 and "0401234567" into
    # 401234567 (and stores some numbers as 401234567.0): what it shows.
    from openpyxl import Workbook

    rows = _rows(3, seed=6)
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADERS, "Katuosoite", "Postinumero", "Postitoimipaikka"])
    codes = (100, 2150, 33100)
    phones = (401234567, 401234568.0, "")
    for r, code, phone in zip(rows, codes, phones, strict=True):
        sheet.append([*r[:3], phone, *r[4:], "Katu 1", code, "KAUPUNKI"])
    book.save(tmp_path / "l.xlsx")
    columns = {
        **COLUMNS,
        "street": "Katuosoite",
        "postal_code": "Postinumero",
        "city": "Postitoimipaikka",
    }
    report = importer.import_contacts(
        actor=None, path=tmp_path / "l.xlsx", mapping=_mapping(columns=columns)
    )
    assert report.summary()["create"] == 3, [o.reasons for o in report.rows]
    with keys.ensure_scope():
        persons = [Person.objects.get(pk=o.person_id) for o in report.rows]
        assert [p.postal_code for p in persons] == ["00100", "02150", "33100"]
        assert [p.number for p in persons[0].phones.all()] == ["+358401234567"]
        assert [p.number for p in persons[1].phones.all()] == ["+358401234568"]


def test_an_xlsx_bomb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"<" + b"a" * (60 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as exc:
        importer.import_contacts(actor=None, path=path, mapping=_mapping())
    assert "xlsx_bomb" in str(exc.value.as_dict())


def test_mapping_errors_are_clear(tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        _mapping(columns={"last_name": "Sukunimi", "shoe_size": "Koko"})
    text = str(exc.value.as_dict())
    assert "shoe_size" in text and ("Y-tunnus" in text or "Business" in text)
    mapping = _mapping(columns={**COLUMNS, "city": "Postitoimipaikka"})
    path = _csv(tmp_path / "l.csv", _rows(2))
    with pytest.raises(ValidationFailed) as exc:
        importer.import_contacts(actor=None, path=path, mapping=mapping)
    assert "Postitoimipaikka" in str(exc.value.as_dict())


def test_a_broken_file_is_a_clear_error(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"")
    with pytest.raises(ValidationFailed) as exc:
        importer.import_contacts(actor=None, path=path, mapping=_mapping())
    assert "no_header" in str(exc.value.as_dict())
    mapping = _mapping(name="utf8", encoding="utf-8")
    _csv(path, _rows(3), encoding="cp1252")
    path.write_bytes(path.read_bytes() + "Äö;Å\n".encode("cp1252"))
    with pytest.raises(ValidationFailed) as exc:
        importer.import_contacts(actor=None, path=path, mapping=mapping)
    assert "wrong_encoding" in str(exc.value.as_dict())


def test_a_role_that_may_not_change_the_register_gets_row_errors(tmp_path):
    path = _csv(tmp_path / "l.csv", _rows(3))
    auditor = make_staff(StaffRole.AUDITOR)
    report = importer.import_contacts(actor=auditor, path=path, mapping=_mapping())
    assert report.summary()["error"] == 3
    assert not Person.objects.exists()


def test_inform_tasks_are_due_in_a_month_and_say_where_the_data_came_from(tmp_path):
    rows = _rows(2)
    rows[0][7] = "sv"
    path = _csv(tmp_path / "l.csv", rows)
    report = importer.import_contacts(actor=None, path=path, mapping=_mapping())
    task = InformTask.objects.get(person_id=report.rows[0].person_id)
    assert task.due >= task.obtained_on + dt.timedelta(days=28)
    assert task.due <= task.obtained_on + dt.timedelta(days=34)
    notice = inform.render(task)
    assert notice.language == "sv"
    assert "Fonecta" in notice.body and "artikel 14" in notice.body
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    inform.inform_send(actor=officer, task=task)
    assert mail.outbox[-1].to == [rows[0][2]]
    task.refresh_from_db()
    assert task.channel == "email" and task.informed_at is not None
    other = InformTask.objects.exclude(pk=task.pk).get()
    with pytest.raises(ValidationFailed):
        inform.inform_record(actor=officer, task=other, channel="pigeon")
    inform.inform_record(actor=officer, task=other, channel="letter")
    assert inform.overdue_count(today=other.due + dt.timedelta(days=1)) == 0
    event = AuditEvent.objects.filter(action="connectors.inform").last()
    assert rows[0][2] not in str(event.details)


def test_informing_needs_the_privacy_column(tmp_path):
    path = _csv(tmp_path / "l.csv", _rows(1))
    importer.import_contacts(actor=None, path=path, mapping=_mapping())
    task = InformTask.objects.get()
    with pytest.raises(Forbidden):
        inform.inform_record(
            actor=make_staff(StaffRole.ADMINISTRATOR), task=task, channel="phone"
        )
    assert inform.overdue_count(today=task.due + dt.timedelta(days=1)) == 1


def test_the_commands(tmp_path):
    out = io.StringIO()
    call_command(
        "registry",
        "contact-mapping",
        "asiakastieto",
        "--source",
        "asiakastieto",
        *[f"--column={k}={v}" for k, v in COLUMNS.items()],
        stdout=out,
    )
    assert "saved" in out.getvalue()
    path = _csv(tmp_path / "l.csv", _rows(10))
    out = io.StringIO()
    call_command(
        "registry",
        "import-contacts",
        str(path),
        "--mapping",
        "asiakastieto",
        "--dry-run",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Dry run: 10 rows" in out.getvalue()
    assert not Person.objects.exists()
    out = io.StringIO()
    call_command(
        "registry",
        "import-contacts",
        str(path),
        "--mapping",
        "asiakastieto",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "10 new" in out.getvalue()
    with pytest.raises(CommandError, match="No mapping"):
        call_command("registry", "import-contacts", str(path), "--mapping", "x")


def test_the_inform_page_lists_sends_and_is_denied_to_sales(tmp_path, client):
    rows = _rows(2)
    path = _csv(tmp_path / "l.csv", rows)
    importer.import_contacts(actor=None, path=path, mapping=_mapping())
    client_as(StaffRole.SALES, client=client)
    assert client.get("/connectors/inform/").status_code == 403
    client_as(StaffRole.PRIVACY_OFFICER, client=client)
    page = client.get("/connectors/inform/")
    assert page.status_code == 200
    html = page.content.decode()
    assert rows[0][1] in html and rows[0][2] not in html
    task = InformTask.objects.order_by("pk").first()
    response = client.post(f"/connectors/inform/{task.pk}/", {"op": "send"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.channel == "email"
    dashboard = client.get("/privacy-office/").content.decode()
    assert "/connectors/inform/" in dashboard


def test_the_person_page_shows_where_each_address_and_role_came_from(tmp_path, client):
    rows = _rows(1)
    path = _csv(tmp_path / "l.csv", rows)
    report = importer.import_contacts(actor=None, path=path, mapping=_mapping())
    person = Person.objects.get(pk=report.rows[0].person_id)
    client_as(StaffRole.SALES, client=client)
    html = client.get(f"/persons/{person.pk}/").content.decode()
    aside = html[html.index('id="provenance-title"') :]
    assert aside.count("Fonecta Oy") >= 4  # names, email, phone, role
    assert rows[0][2] in aside


def test_a_long_import_keeps_the_planner_informed_and_sqlite_cached(
    tmp_path, monkeypatch
):
    """PostgreSQL: the tables each batch looks up are analyzed as the import
    grows them; SQLite: the import runs with the bulk load's page cache, and
    the connection's own settings come back (core/bulkload.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rekisteri.core import bulkload

    monkeypatch.setattr(importer, "STATISTICS_FIRST", 50)
    path = _csv(tmp_path / "lista.csv", _rows(120))
    with CaptureQueriesContext(connection) as queries:
        report = importer.import_contacts(actor=None, path=path, mapping=_mapping())
    assert report.summary()["create"] == 120
    statements = [q["sql"] for q in queries]
    analyzed = [s for s in statements if s.startswith("ANALYZE")]
    cache = f"PRAGMA cache_size = {bulkload.SQLITE_PRAGMAS['cache_size']}"
    if connection.vendor == "postgresql":
        assert analyzed == [
            'ANALYZE "registry_person", "core_blindindex",'
            ' "registry_organization", "registry_role"'
        ]
    else:
        assert analyzed == []
        assert cache in statements
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] != bulkload.SQLITE_PRAGMAS["cache_size"]
    # A dry run analyzes nothing: it grows no table.
    with CaptureQueriesContext(connection) as queries:
        importer.import_contacts(
            actor=None, path=path, mapping=_mapping(), dry_run=True
        )
    assert not [q for q in queries if q["sql"].startswith("ANALYZE")]
