"""The verifier's fast path hashes exactly what the writer hashed.

The writer hashes Python values; ``verify`` hashes raw rows as the database
hands them back (SQLite: ``at`` as text, UUIDs as 32 hex digits, JSON as
text). Property: for any event, both give the same canonical bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.audit.chain import CHAINED_FIELDS, content_of
from rekisteri.audit.verify import _normaliser, canonical

text = st.text(max_size=20)
json_scalar = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text
details = st.dictionaries(
    text, json_scalar | st.lists(json_scalar, max_size=3), max_size=4
)
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)
).map(lambda d: d.replace(tzinfo=dt.UTC))


@st.composite
def events(draw) -> dict:
    return {
        "id": draw(st.integers(1, 2**62)),
        "at": draw(moments),
        "actor_id": draw(st.none() | st.integers(1, 2**31)),
        "actor_label": draw(text),
        "client": draw(text),
        "action": draw(text),
        "outcome": draw(st.sampled_from(["ok", "denied", "failed"])),
        "target_type": draw(text),
        "target_id": draw(text),
        "subject_id": draw(st.none() | st.uuids()),
        "fields": sorted(set(draw(st.lists(text, max_size=4)))),
        "categories": sorted(set(draw(st.lists(text, max_size=4)))),
        "purpose": draw(text),
        "details": draw(details),
    }


def sqlite_row(values: dict) -> tuple:
    """The row as SQLite gives it back through a plain cursor."""
    raw = []
    for name in CHAINED_FIELDS:
        value = values[name]
        if name == "at":
            value = str(value.astimezone(dt.UTC).replace(tzinfo=None))
        elif name == "subject_id" and value is not None:
            value = value.hex
        elif name in ("fields", "categories", "details"):
            value = json.dumps(value)  # Django's JSONField, default separators
        raw.append(value)
    return (*raw, "prev", "hash")


def postgres_row(values: dict) -> tuple:
    """The row as verify's SELECT has PostgreSQL render it: ``at`` through
    ``to_char`` in UTC, the UUID and jsonb as text (jsonb's own key order
    and spacing)."""
    raw = []
    for name in CHAINED_FIELDS:
        value = values[name]
        if name == "at":
            value = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        elif name == "subject_id" and value is not None:
            value = str(value)
        elif name in ("fields", "categories", "details"):
            value = json.dumps(value, sort_keys=True, separators=(", ", ": "))
        raw.append(value)
    return (*raw, "prev", "hash")


@settings(max_examples=300, deadline=None)
@given(events())
def test_sqlite_rows_hash_like_the_writer(values):
    assert canonical(_normaliser("sqlite")(sqlite_row(values))) == content_of(values)


@settings(max_examples=300, deadline=None)
@given(events())
def test_postgresql_rows_hash_like_the_writer(values):
    normalise = _normaliser("postgresql")
    assert canonical(normalise(postgres_row(values))) == content_of(values)


def test_a_uuid_given_as_text_hashes_like_the_uuid():
    subject = uuid.uuid4()
    base = dict.fromkeys(CHAINED_FIELDS, "") | {
        "id": 1,
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "fields": [],
        "categories": [],
        "details": {},
    }
    assert content_of(base | {"subject_id": subject}) == content_of(
        base | {"subject_id": str(subject)}
    )


class _Choice(str):
    """A text subclass (as Django's TextChoices are): JSON gives plain text."""


anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | text
    | text.map(_Choice)
    | st.uuids()
    | moments,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(text | st.integers() | st.booleans(), inner, max_size=3)
    ),
    max_leaves=12,
)


def _typed(value):  # type: ignore[no-untyped-def]
    """The value with every part's type, so 1 == True and "a" == _Choice("a")
    do not pass for each other."""
    if isinstance(value, dict):
        return ("dict", sorted((k, _typed(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


@settings(max_examples=1000)
@given(st.dictionaries(text | st.integers(), anything, max_size=4))
def test_an_events_details_are_what_json_gives_back(value):
    from rekisteri.audit.services import _json_copy

    expected = json.loads(json.dumps(dict(value), default=str))
    got = _json_copy(value)
    assert _typed(got) == _typed(expected)
    # A copy: the caller's lists changed later do not change the event.
    for k, v in value.items():
        if isinstance(v, list) and k in got:
            assert got[k] is not v
