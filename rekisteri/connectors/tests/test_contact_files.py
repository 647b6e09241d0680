"""The contact-list reader against real spreadsheet files.

Each file under ``data/contacts/`` is copied unchanged from a public
parser's test fixtures (``data/contacts/SOURCES.md``); what is asserted
here was read off the file itself (its bytes, or its XML parts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rekisteri.connectors.contacts import reader
from rekisteri.connectors.contacts.reader import open_contacts
from rekisteri.core.errors import ValidationFailed

DATA = Path(__file__).parent / "data" / "contacts"


def _read(name: str):
    opened = open_contacts(DATA / name)
    return opened, list(opened.rows)


def _refusal(name: str) -> str:
    with pytest.raises(ValidationFailed) as exc:
        opened = open_contacts(DATA / name)
        list(opened.rows)
    (error,) = exc.value.as_dict()["file"]
    return error["code"]


# CSV


def test_a_quoted_header_with_line_breaks_does_not_hide_the_delimiter():
    # csvkit: the first header cell is quoted and holds "\t\n\v\f\r" on both
    # sides; the delimiter was sniffed from the text before its first line
    # break (only a tab there), and the header became one cell.
    opened, rows = _read("csvkit_test_header_newline.csv")
    assert opened.kind == "csv" and opened.encoding == "utf-8" and not opened.notes
    assert opened.headers == ["start \t\n\x0b\x0c\r end", "b", "c"]
    # Row numbers count records, as a spreadsheet shows them, not lines.
    assert rows == [(2, {"start \t\n\x0b\x0c\r end": "d", "b": "e", "c": "f"})]


def test_a_space_after_the_delimiter_does_not_keep_the_quotes():
    # frictionless tabulator: "ID, Test" then '1, "Test line 1"': the
    # quotes after ", " were kept as characters of the cell.
    opened, rows = _read("tabulator_escaping.csv")
    assert opened.headers == ["ID", "Test"]
    assert rows == [
        (2, {"ID": "1", "Test": "Test line 1"}),
        # A doubled quote inside quotes is one quote.
        (3, {"ID": "2", "Test": 'Test " line 2'}),
        # A backslash escapes nothing in CSV: the quote after it closes the
        # field and the rest is kept as it stands.
        (4, {"ID": "3", "Test": 'Test \\ line 3"'}),
    ]


def test_old_mac_line_ends_and_a_line_break_inside_quotes():
    # csvkit: CR-only line ends, and a quoted cell holding a CR.
    raw = (DATA / "csvkit_mac_newlines.csv").read_bytes()
    assert b"\n" not in raw and raw.count(b"\r") == 4
    opened, rows = _read("csvkit_mac_newlines.csv")
    assert opened.headers == ["a", "b", "c"]
    assert rows == [
        (2, {"a": "1", "b": "2", "c": "3"}),
        (3, {"a": "Once upon\ra time", "b": "5", "c": "6"}),
    ]


def test_utf16_little_endian_with_its_byte_order_mark():
    # csvkit: FF FE, then "a,b,c" LF "1,2,3" LF "4,5,ʤ" (U+02A4, no final LF).
    assert (DATA / "csvkit_test_utf16_little.csv").read_bytes()[:2] == b"\xff\xfe"
    opened, rows = _read("csvkit_test_utf16_little.csv")
    assert opened.encoding == "utf-16" and not opened.notes
    assert opened.headers == ["a", "b", "c"]
    assert rows == [
        (2, {"a": "1", "b": "2", "c": "3"}),
        (3, {"a": "4", "b": "5", "c": "\u02a4"}),
    ]


def test_latin1_is_read_as_windows_1252_with_a_note():
    # frictionless tabulator: the last byte is 0xA9, "©" in ISO-8859-1 and
    # Windows-1252, and no UTF-8.
    assert (DATA / "tabulator_latin1.csv").read_bytes().endswith(b"2,\xa9\n")
    opened, rows = _read("tabulator_latin1.csv")
    assert opened.encoding == "windows-1252" and len(opened.notes) == 1
    assert "Windows-1252" in opened.notes[0]
    assert rows == [(2, {"id": "1", "name": "english"}), (3, {"id": "2", "name": "©"})]


# XLSX


def test_excels_escaped_carriage_return_is_read_as_the_character():
    # calamine: Excel writes a cell's "\r\n" as "_x000D_\n", in the shared
    # strings and in an inline string alike; openpyxl leaves the escape.
    opened, rows = _read("calamine_has_x000D_.xlsx")
    assert opened.kind == "xlsx"
    assert opened.headers == ["ABC\r\nDEF"]
    assert rows == []


def test_the_escape_of_an_underscore_keeps_the_literal_text():
    # "_x005F_" is "_": the cell text "_x000D_" is written "_x005F_x000D_".
    assert reader._xlsx_value("a_x005F_x000D_b") == "a_x000D_b"
    assert reader._xlsx_value("Katu 1_x000D_\nHelsinki") == "Katu 1\r\nHelsinki"
    assert reader._xlsx_value(401234567) == 401234567


def test_a_sheet_formatted_down_to_excels_last_row_is_read(monkeypatch):
    # calamine issue 174 (written by Gnumeric): <dimension ref="A1:XFD1048576"/>
    # and every row to 1,048,576 written, styled and empty. The row limit
    # counted them and refused the file as over a million rows.
    opened, rows = _read("calamine_issue_174.xlsx")
    assert opened.headers == [
        "Your Ref #",
        "Contact Name",
        "Contact Number",
        "Address",
        "City",  # "City " in the file
        "Weight",
        "Pieces",
        "Material Cost",
        "SPL Instruction",
        "Remarks",
        "Your Company",
    ]
    assert rows == [
        (
            2,
            {
                "Your Ref #": "123",
                "Contact Name": "Test Contact Name",
                "Contact Number": "Test Contact Number",
                "Address": "Hello Address",
                "City": "My City",
                "Weight": "1.5",
                "Pieces": "1",
                "Material Cost": "1.201",
                "SPL Instruction": "Nothing SPL",
                "Remarks": "No Remarks",
                "Your Company": "My Company?",
            },
        )
    ]
    # The limit counts the rows that hold something.
    monkeypatch.setattr(reader, "MAX_ROWS", 1)
    assert len(_read("calamine_issue_174.xlsx")[1]) == 1


def test_rows_without_their_numbers_keep_the_sheets_numbering(monkeypatch):
    # calamine issue 261: the first five <row> elements have no r="" (nor
    # their cells), then r="7"; row 6 is absent and blank rows are skipped,
    # so each row keeps the number a spreadsheet shows.
    opened, rows = _read("calamine_issue_261.xlsx")
    assert opened.headers == ["String Value 32"]
    numbers = [n for n, _row in rows]
    assert numbers[:4] == [7, 8, 10, 11]
    assert numbers[-3:] == [60, 61, 66] and len(rows) == 54
    header = "String Value 32"
    assert rows[0][1] == {header: "String Value 29", "\x00extra": "3"}
    # A date cell (numFmt 14, serial 45000) is read as a date.
    assert rows[3][1] == {header: "2023-03-15"}
    assert rows[-1][1] == {header: "String Value 42", "\x00extra": "1"}
    monkeypatch.setattr(reader, "MAX_ROWS", 53)
    assert _refusal("calamine_issue_261.xlsx") == "too_many_rows"


# Files that are not what the reader reads: each refused with its own code.


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # An Excel 97-2003 workbook (OLE2 compound file): it was read as CSV
        # and refused as "not in the chosen encoding".
        ("tabulator_table.xls", "xls"),
        # A password-protected XLSX is an OLE2 file too, holding an
        # "EncryptedPackage" stream.
        ("calamine_pass_protected.xlsx", "xlsx_encrypted"),
        # LibreOffice's own format: a ZIP whose first member "mimetype" says
        # application/vnd.oasis.opendocument.spreadsheet.
        ("tabulator_table.ods", "ods"),
        # Excel's binary workbook: a ZIP of binary parts; it was refused as
        # "not an XLSX workbook", which does not say what to do.
        ("calamine_date.xlsb", "xlsb"),
        # Strict Open XML (purl.oclc.org namespaces): openpyxl finds no
        # worksheet, and an IndexError escaped.
        ("calamine_strict_iso_paths.xlsx", "xlsx_strict"),
    ],
)
def test_a_file_the_reader_cannot_read_is_refused_with_its_own_code(name, code):
    assert _refusal(name) == code


def test_every_file_has_its_source():
    names = sorted(p.name for p in DATA.iterdir() if p.name != "SOURCES.md")
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert len(names) == 13
    assert [n for n in names if f"`{n}`" not in sources] == []


def test_blank_rows_are_read_only_so_far_past_the_limit(monkeypatch, tmp_path):
    """Blank rows do not count towards the limit, but a file of nothing but
    line ends is refused once it has more rows than a worksheet holds
    beyond it, not read to its end."""
    path = tmp_path / "blank.csv"
    path.write_text("Name;Email\n" + "\n" * 50 + "Aino;a@example.fi\n")
    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    opened = open_contacts(path)
    assert [n for n, _row in opened.rows] == [52]
    monkeypatch.setattr(reader, "SHEET_ROWS", 40)
    with pytest.raises(ValidationFailed) as exc:
        list(open_contacts(path).rows)
    assert exc.value.as_dict()["file"][0]["code"] == "too_many_rows"


@pytest.mark.parametrize(
    "value,text",
    [
        (dt.datetime(2023, 3, 15), "2023-03-15"),
        (dt.datetime(2023, 3, 15, 9, 30, 12), "2023-03-15 09:30"),
        (dt.date(2023, 3, 15), "2023-03-15"),
        (dt.time(9, 30), "09:30"),
        (358401234567.0, "358401234567"),
        (1.5, "1.5"),
        (None, ""),
    ],
)
def test_a_cell_reads_as_the_sheet_shows_it(value, text):
    assert reader._cell(value) == text


def test_the_first_visible_sheet_is_read(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    hidden = book.active
    hidden.title = "asetukset"
    hidden.append(["Tila", "Koodi"])
    hidden.sheet_state = "hidden"
    shown = book.create_sheet("Yhteystiedot")
    shown.append(["Sukunimi", "Sähköposti"])
    shown.append(["Virtanen", "v@example.fi"])
    book.create_sheet("Muistiinpanot").append(["Huom"])
    path = tmp_path / "lista.xlsx"
    book.save(path)
    opened = open_contacts(path)
    assert opened.headers == ["Sukunimi", "Sähköposti"]
    assert [row for _n, row in opened.rows] == [
        {"Sukunimi": "Virtanen", "Sähköposti": "v@example.fi"}
    ]
