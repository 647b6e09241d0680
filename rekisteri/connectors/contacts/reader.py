"""Reading third-party contact lists: CSV in the encodings vendors send,
and XLSX through openpyxl's read-only mode.

Rows are streamed (constant memory) as ``(row_number, {header: text})``;
row numbers are the file's own, header row 1, so a report points at the
line a person sees in a spreadsheet; blank rows are skipped and do not
count towards the row limit. Every cell is text: a formula-like value
(``=``, ``+``, ``-``, ``@``) is kept as the characters it is, never
evaluated; XLSX formulas are read as their cached values, and a character
XLSX escapes (``_x000D_``) is read as the character.

Encodings: a UTF-8 or UTF-16 byte-order mark wins; otherwise the file is read as
UTF-8 if it decodes, else as Windows-1252 (which covers ISO-8859-15's
Finnish letters; the report says which encoding was used). The delimiter
is sniffed among ``;``, ``,`` and tab from the header row (a quoted header
may hold line breaks); spaces after a delimiter are skipped, so
``1, "Doe, John"`` is two cells.

An old Excel workbook (``.xls``), a binary one (``.xlsb``), a
password-protected one, an OpenDocument spreadsheet and a Strict Open XML
workbook are refused, each with its own code.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from rekisteri.core.errors import ValidationFailed

# An XLSX is a ZIP: refuse archives that would inflate past these limits
# before openpyxl opens them (a "ZIP bomb" of shared strings or sheets).
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
XLSX_MAX_RATIO = 200
MAX_ROWS = 1_000_000
# Rows of a worksheet (Excel's last is 1,048,576): blank ones beyond the
# limit above are read up to this many more.
SHEET_ROWS = 1_048_576
MAX_COLUMNS = 100
MAX_CELL = 1000
ENCODINGS = ("auto", "utf-8", "windows-1252", "iso-8859-15")
_SEPARATOR_LINE = re.compile(r"sep=([;,\t|])")
_DELIMITERS = (";", ",", "\t")
# OLE2 compound files: Excel 97-2003 (.xls) and password-protected OOXML.
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# OOXML's escape of a character XML cannot hold (_x000D_ is "\r"); the
# literal text "_x000D_" is written "_x005F_x000D_".
_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass
class ContactFile:
    """An opened contact list: its headers and a stream of its rows."""

    headers: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    kind: str
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed.single("file", code, message)


def _clean_headers(raw: list[object]) -> list[str]:
    headers = [str(h if h is not None else "").strip() for h in raw]
    while headers and not headers[-1]:
        headers.pop()
    if not headers or not any(headers):
        raise _refuse(_("The file has no header row."), "no_header")
    if len(headers) > MAX_COLUMNS:
        raise _refuse(
            _("The file has more than %(n)d columns.") % {"n": MAX_COLUMNS},
            "too_many_columns",
        )
    seen: set[str] = set()
    for h in headers:
        if h and h.casefold() in seen:
            raise _refuse(
                _("Two columns have the same header: %(header)s.") % {"header": h},
                "duplicate_header",
            )
        seen.add(h.casefold())
    return headers


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # A spreadsheet's whole number stored as a float: as Excel shows it
        # (401234567, not 401234567.0).
        value = int(value)
    elif isinstance(value, dt.datetime):
        # A date cell comes as a datetime at midnight: as the sheet shows it.
        if value.time() == dt.time():
            value = value.date().isoformat()
        else:
            value = value.isoformat(sep=" ", timespec="minutes")
    elif isinstance(value, dt.time):
        value = value.isoformat(timespec="minutes")
    text = str(value).strip()
    return text[:MAX_CELL]


def _rows(
    headers: list[str], records: Iterator[list[object]], first: int
) -> Iterator[tuple[int, dict[str, str]]]:
    count = 0
    for number, record in enumerate(records, start=first):
        if number > MAX_ROWS + SHEET_ROWS:
            # Blank rows cost a read each: a file of nothing but line ends
            # is not read for ever.
            raise _refuse(
                _("The file has more than %(n)d rows.") % {"n": MAX_ROWS},
                "too_many_rows",
            )
        cells = [_cell(v) for v in record]
        if not any(cells):
            # Blank rows are not counted: a sheet formatted down to Excel's
            # last row (1,048,576) holds them all.
            continue
        count += 1
        if count > MAX_ROWS:
            raise _refuse(
                _("The file has more than %(n)d rows.") % {"n": MAX_ROWS},
                "too_many_rows",
            )
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)}
        extra = [c for c in cells[len(headers) :] if c]
        if extra:
            row["\x00extra"] = str(len(extra))
        yield number, row


def _detect_encoding(head: bytes, requested: str) -> tuple[str, list[str]]:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", []
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" and "CSV UTF-16": the mark says which.
        return "utf-16", []
    if requested not in ("", "auto"):
        return requested, []
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start < len(head) - 4:
            return "windows-1252", [
                _("The file is not UTF-8; it was read as Windows-1252.")
            ]
    return "utf-8", []


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the header row into the most cells (the
    first of ``;``, ``,`` and tab on a tie). The header row is parsed, not
    cut at the first line end: a quoted header may hold a line break."""
    try:
        return max(
            _DELIMITERS,
            key=lambda d: len(
                next(
                    csv.reader(io.StringIO(sample), delimiter=d, skipinitialspace=True),
                    [],
                )
            ),
        )
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        return max(_DELIMITERS, key=first_line.count)


def open_csv(path: Path, *, encoding: str = "auto") -> ContactFile:
    if encoding not in ENCODINGS:
        raise _refuse(_("Unknown encoding."), "unknown_encoding")
    with path.open("rb") as probe:
        head = probe.read(256 * 1024)
    chosen, notes = _detect_encoding(head, encoding)
    try:
        # The sample ends where the read did, maybe inside a character: it
        # is decoded as the start of the file, not as all of it.
        sample = codecs.getincrementaldecoder(chosen)("strict").decode(head)
    except UnicodeDecodeError:
        if chosen.startswith("utf-8") and encoding in ("", "auto"):
            chosen, notes = (
                "windows-1252",
                [_("The file is not UTF-8; it was read as Windows-1252.")],
            )
            sample = head.decode(chosen, errors="replace")
        else:
            raise _refuse(
                _("The file is not in the chosen encoding."), "wrong_encoding"
            ) from None
    first_line = sample.splitlines()[0] if sample else ""
    # Excel's hint "sep=;" on a line of its own names the delimiter; Excel
    # hides the line, so the header after it is the user's row 1.
    hint = _SEPARATOR_LINE.fullmatch(first_line.strip())
    delimiter = hint.group(1) if hint else _sniff_delimiter(sample)
    text = path.open("r", encoding=chosen, errors="strict", newline="")
    reader = csv.reader(text, delimiter=delimiter, skipinitialspace=True)
    try:
        if hint:
            next(reader, None)
        headers = _clean_headers(next(reader, []))
    except UnicodeDecodeError:
        text.close()
        raise _refuse(
            _("The file is not in the chosen encoding."), "wrong_encoding"
        ) from None

    def records() -> Iterator[list[object]]:
        try:
            yield from reader
        except UnicodeDecodeError:
            raise _refuse(
                _("The file is not in the chosen encoding."), "wrong_encoding"
            ) from None
        except csv.Error as exc:
            raise _refuse(
                _("The CSV file is malformed at line %(line)d.")
                % {"line": reader.line_num},
                "malformed_csv",
            ) from exc
        finally:
            text.close()

    return ContactFile(
        headers=headers,
        rows=_rows(headers, records(), 2),
        kind="csv",
        encoding=chosen,
        notes=notes,
    )


def _refuse_ole2(path: Path) -> ValidationFailed:
    """The refusal of an OLE2 compound file: a password-protected workbook
    (its ``EncryptedPackage`` stream) or an old binary one."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return _refuse(
                    _(
                        "The workbook is protected with a password; "
                        "save it without one."
                    ),
                    "xlsx_encrypted",
                )
            tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return _refuse(
        _(
            "The file is an old Excel workbook (.xls); save it as an Excel "
            "workbook (.xlsx) or as CSV."
        ),
        "xls",
    )


def _check_xlsx_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if info.compress_size and (
                    info.file_size / info.compress_size > XLSX_MAX_RATIO
                    and info.file_size > 10 * 1024 * 1024
                ):
                    raise _refuse(
                        _("The spreadsheet inflates too much to be read safely."),
                        "xlsx_bomb",
                    )
            if total > XLSX_MAX_UNCOMPRESSED:
                raise _refuse(
                    _("The spreadsheet is too large to be read safely."),
                    "xlsx_too_large",
                )
            names = archive.namelist()
            # Excel's binary workbook is a ZIP of binary parts openpyxl
            # cannot read ("Excel Binary Workbook" in Save As).
            if "xl/workbook.bin" in names:
                raise _refuse(
                    _(
                        "The file is an Excel binary workbook (.xlsb); save it "
                        "as an Excel workbook (.xlsx) or as CSV."
                    ),
                    "xlsb",
                )
            # An OpenDocument file names its kind in its first member.
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    if member.read(64).startswith(
                        b"application/vnd.oasis.opendocument"
                    ):
                        raise _refuse(
                            _(
                                "The file is an OpenDocument spreadsheet (.ods); "
                                "save it as an Excel workbook (.xlsx) or as CSV."
                            ),
                            "ods",
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise _refuse(_("The file is not an XLSX workbook."), "not_xlsx") from None


def _refuse_sheetless(path: Path) -> ValidationFailed:
    """openpyxl knows only the transitional namespaces: in a Strict Open
    XML workbook it finds no worksheet at all."""
    strict = False
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith("workbook.xml"):
                with archive.open(name) as part:
                    strict = strict or b"purl.oclc.org/ooxml" in part.read(4096)
    if strict:
        return _refuse(
            _(
                "The workbook is in the Strict Open XML format; save it as "
                "an ordinary Excel workbook (.xlsx)."
            ),
            "xlsx_strict",
        )
    return _refuse(_("The workbook has no worksheet."), "no_worksheet")


def _xlsx_value(value: object) -> object:
    """A cell's value with OOXML's ``_xHHHH_`` escapes undone (openpyxl
    leaves them: Excel writes a cell's "\r\n" as "_x000D_\n")."""
    if isinstance(value, str) and "_x" in value:
        return _XLSX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def open_xlsx(path: Path) -> ContactFile:
    from openpyxl import load_workbook

    _check_xlsx_archive(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise _refuse(_("The file is not an XLSX workbook."), "not_xlsx") from exc
    if not workbook.worksheets:
        workbook.close()
        raise _refuse_sheetless(path)
    # The first sheet a person opening the file can see: a hidden sheet
    # (lookup lists, settings) before it is not the list.
    sheet = next(
        (w for w in workbook.worksheets if w.sheet_state == "visible"),
        workbook.worksheets[0],
    )
    # Read-only mode believes the sheet's stated dimensions, which some
    # writers get wrong: WPS Office and others write <dimension ref="A1"/>,
    # which read only the first cell, and a stated range smaller than the
    # data cut its rows and columns. Read the rows and cells there are.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True)
    headers = _clean_headers([_xlsx_value(v) for v in next(values, ()) or ()])

    def records() -> Iterator[list[object]]:
        try:
            for record in values:
                yield [_xlsx_value(v) for v in record]
        finally:
            workbook.close()

    return ContactFile(headers=headers, rows=_rows(headers, records(), 2), kind="xlsx")


def open_contacts(path: Path, *, encoding: str = "auto") -> ContactFile:
    """Open ``path`` as CSV or XLSX (by its content, not its name)."""
    with path.open("rb") as probe:
        magic = probe.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return open_xlsx(path)
    if magic == _OLE2:
        raise _refuse_ole2(path)
    return open_csv(path, encoding=encoding)
