"""Reading saved PRH answers and the daily bulk file, streamed.

A file may be a saved ``/companies`` answer (``{"totalResults": …,
"companies": [...]}``), a bare JSON array of companies (the bulk file's
content), or a zip holding one such JSON document (the bulk file as
downloaded). Companies are parsed one at a time with ijson, so memory stays
flat whatever the file's size.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import ijson

from rekisteri.connectors.prh.client import PrhBadResponse

ZIP_MAGIC = b"PK\x03\x04"


@contextmanager
def _open_json(path: Path) -> Iterator[IO[bytes]]:
    with path.open("rb") as raw:
        head = raw.read(4)
        raw.seek(0)
        if head != ZIP_MAGIC:
            yield raw
            return
        with zipfile.ZipFile(raw) as archive:
            members = [
                m for m in archive.infolist() if m.filename.lower().endswith(".json")
            ]
            if len(members) != 1:
                raise PrhBadResponse(
                    "The zip file should hold exactly one JSON document."
                )
            with archive.open(members[0]) as inner:
                yield inner


def _first_token(stream: io.BufferedReader) -> bytes:
    """The first non-blank byte; a UTF-8 byte order mark before it (a file
    saved by a Windows editor) is read past, which the JSON parser would
    refuse, and the rest is put back."""
    if stream.peek(len(codecs.BOM_UTF8)).startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))
    return stream.peek(64).lstrip(b" \t\r\n")[:1]


def iter_companies(path: Path) -> Iterator[Any]:
    """Each company of the file in order, as parsed JSON (not yet checked)."""
    with _open_json(path) as stream:
        if not isinstance(stream, io.BufferedReader):
            stream = io.BufferedReader(stream, 1 << 16)  # type: ignore[arg-type]
        first = _first_token(stream)
        if first == b"[":
            prefix = "item"
        elif first == b"{":
            prefix = "companies.item"
        else:
            raise PrhBadResponse("The file is not a PRH JSON answer.")
        try:
            yield from ijson.items(stream, prefix, use_float=True)
        except ijson.JSONError as exc:
            raise PrhBadResponse(
                f"The file is not valid JSON ({type(exc).__name__})."
            ) from None
