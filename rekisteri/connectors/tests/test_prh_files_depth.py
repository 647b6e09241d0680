"""A PRH file's companies are read in time and memory linear in the file,
whatever its nesting: deep nesting is refused, and the items read are
exactly what ``ijson.items`` reads for the two prefixes of a PRH file."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.connectors.prh.client import PrhBadResponse
from rekisteri.connectors.prh.files import MAX_DEPTH, _items, iter_companies

_KEYS = st.sampled_from(["companies", "item", "totalResults", "a"])


@pytest.mark.parametrize("wrapped", [True, False])
def test_deep_nesting_is_refused_in_linear_time(tmp_path: Path, wrapped: bool):
    # 200,000 nested brackets in 400 kB: ijson.items built a prefix string
    # as long as the nesting for every event (50,000 took 6 GB and 14 s).
    depth = 200_000
    body = b"[" * depth + b"]" * depth
    raw = b'{"companies": [' + body + b"]}" if wrapped else b"[" + body + b"]"
    path = tmp_path / "deep.json"
    path.write_bytes(raw)
    started = time.perf_counter()
    with pytest.raises(PrhBadResponse, match=f"deeper than {MAX_DEPTH}"):
        list(iter_companies(path))
    assert time.perf_counter() - started < 5


def test_a_company_as_deep_as_allowed_is_read(tmp_path: Path):
    inner: object = "pohja"
    for _ in range(MAX_DEPTH - 3):  # the answer, its list, the company
        inner = [inner]
    answer = {
        "totalResults": 1,
        "companies": [{"businessId": {"value": "x"}, "deep": inner}],
    }
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(answer))
    assert list(iter_companies(path)) == answer["companies"]
    # One level more is refused.
    answer["companies"][0]["deep"] = [inner]
    path.write_text(json.dumps(answer))
    with pytest.raises(PrhBadResponse, match="deeper"):
        list(iter_companies(path))


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4)
    ),
    max_leaves=25,
)


def _answer(document: dict) -> dict:
    """A root object as PRH answers: its ``companies``, where present, an
    array (a ``companies`` object would be read by ijson.items through its
    ``item`` key; it holds no companies here)."""
    if "companies" in document and not isinstance(document["companies"], list):
        document["companies"] = [document["companies"]]
    return document


@settings(max_examples=400, deadline=None)
@given(
    case=st.one_of(
        st.tuples(st.just("item"), st.lists(_json, max_size=5)),
        st.tuples(
            st.just("companies.item"),
            st.dictionaries(_KEYS, _json, max_size=4).map(_answer),
        ),
    )
)
def test_the_items_are_ijsons(case):
    # The two prefixes iter_companies reads: a root array's items, a root
    # object's companies.
    prefix, document = case
    raw = json.dumps(document).encode()
    expected = list(ijson.items(io.BytesIO(raw), prefix, use_float=True))
    assert list(_items(io.BytesIO(raw), prefix)) == expected
