"""Reading saved PRH answers and the daily bulk file, streamed.

A file may be a saved ``/companies`` answer (``{"totalResults": …,
"companies": [...]}``), a bare JSON array of companies (the bulk file's
content), or a zip holding one such JSON document (the bulk file as
downloaded). Companies are parsed one at a time with ijson, so memory stays
flat whatever the file's size.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import ijson

from rekisteri.connectors.prh.client import PrhBadResponse
from rekisteri.core.bom import skip_bom

ZIP_MAGIC = b"PK\x03\x04"
# PRH's bulk file is JSON, which deflates about ten to twenty times; a
# large member that inflates far more is not one (a "zip bomb" of
# whitespace would keep the import parsing for minutes). Smaller members
# are left to the parser, which reads them in constant memory.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 100 * 1024 * 1024


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
            (member,) = members
            if (
                member.file_size > ZIP_RATIO_FROM
                and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1)
            ):
                raise PrhBadResponse(
                    "The zip file inflates far more than a PRH JSON file does: "
                    "it is not one."
                )
            with archive.open(member) as inner:
                yield inner


def _first_token(stream: io.BufferedReader) -> bytes:
    """The first non-blank byte; a UTF-8 byte order mark before it (a file
    saved by a Windows editor) is read past, which the JSON parser would
    refuse, and the rest is put back."""
    skip_bom(stream)
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
            yield from _items(stream, prefix)
        except ijson.JSONError as exc:
            raise PrhBadResponse(
                f"The file is not valid JSON ({type(exc).__name__})."
            ) from None


# A company nests about six levels deep (its list, the company, its
# addresses, an address, its post offices, one of them); a file nesting
# deeper is no PRH answer.
MAX_DEPTH = 32
_OPENING = frozenset(("start_map", "start_array"))
_CLOSING = frozenset(("end_map", "end_array"))


def _too_deep() -> PrhBadResponse:
    return PrhBadResponse(
        f"The file nests deeper than {MAX_DEPTH} levels: it is not a PRH JSON answer."
    )


def _items(stream: IO[bytes], prefix: str) -> Iterator[Any]:
    """``ijson.items(stream, prefix)`` for the two prefixes of a PRH file
    ("item": the root array's items; "companies.item": those of the root
    object's ``companies`` array, which an answer always sends as an
    array), built from ijson's basic events, with nesting deeper than
    MAX_DEPTH refused.

    ``ijson.items`` reads prefixed events, whose prefix string grows with
    the nesting: a 100 kB file of 50,000 nested brackets took 6 GB and 14
    seconds, a few hundred kilobytes more than the machine's memory. The
    basic events carry no prefix, and the depth is counted here."""
    events = ijson.basic_parse(stream, use_float=True)
    depth = 0
    root_key: Any = None
    for event, value in events:
        if event in _CLOSING:
            depth -= 1
            continue
        if event == "map_key":
            if depth == 1:
                root_key = value
            continue
        if event not in _OPENING:
            continue
        depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep()
        if event == "start_array" and (
            (prefix == "item" and depth == 1)
            or (prefix == "companies.item" and depth == 2 and root_key == "companies")
        ):
            yield from _array_items(events, depth)
            depth -= 1  # the array closed


def _array_items(events: Iterator[tuple[str, Any]], depth: int) -> Iterator[Any]:
    """The items of the array just opened at ``depth``, each built as
    ``ijson.items`` builds it, until the array closes."""
    for event, value in events:
        if event == "end_array":
            return
        if event not in _OPENING:
            yield value  # a scalar item
            continue
        # A company: its containers built here (ijson.common.ObjectBuilder's
        # work, inline: this loop runs for every event of the file, scalars
        # and keys first, the container being filled kept at hand; through
        # ObjectBuilder a company of PRH's test page took 63 µs, here 41).
        item: Any = {} if event == "start_map" else []
        stack: list[Any] = [item]
        top, in_list, key = item, event == "start_array", None
        for event, value in events:  # noqa: PLW2901 - the same stream, read on
            if event == "map_key":
                key = value
            elif event in _CLOSING:
                stack.pop()
                if not stack:
                    break
                top = stack[-1]
                in_list = type(top) is list
            elif event in _OPENING:
                if depth + len(stack) >= MAX_DEPTH:
                    raise _too_deep()
                made: Any = {} if event == "start_map" else []
                if in_list:
                    top.append(made)
                else:
                    top[key] = made
                stack.append(made)
                top, in_list = made, event == "start_array"
            elif in_list:
                top.append(value)
            else:
                top[key] = value
        yield item
