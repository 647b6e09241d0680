"""The PRH v3 client against httpx.MockTransport: no test reaches the network."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx
import pytest

from rekisteri.connectors.prh.client import (
    PrhBadResponse,
    PrhClient,
    PrhError,
    PrhSettings,
    PrhUnavailable,
    retry_after_seconds,
)
from rekisteri.connectors.prh.files import iter_companies
from rekisteri.connectors.tests import builders

SAMPLE = builders.DATA / "prh_v3_companies_businessId_0250345-3.json"
BASE = "https://prh.test/opendata-ytj-api/v3"


def conf(**kw) -> PrhSettings:
    return PrhSettings(base_url=BASE, **{"retries": 3, "backoff": 0.5, **kw})


def client_for(handler, sleeps: list[float] | None = None, **kw) -> PrhClient:
    return PrhClient(
        conf(**kw),
        transport=httpx.MockTransport(handler),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


def test_lookup_by_business_id_reads_the_recorded_answer():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=SAMPLE.read_bytes())

    company = client_for(handler).company("0250345-3")
    assert company["names"][0]["name"] == "Accountor Group Oy"
    assert seen[0].url.path == "/opendata-ytj-api/v3/companies"
    assert seen[0].url.params["businessId"] == "0250345-3"
    assert seen[0].extensions["timeout"]["read"] == 20.0


def test_lookup_of_an_unknown_company_is_none():
    def handler(request):
        return httpx.Response(200, json={"totalResults": 0, "companies": []})

    assert client_for(handler).company("0250345-3") is None
    assert client_for(lambda r: httpx.Response(404)).company("0250345-3") is None


def test_search_stops_on_total_results_although_the_api_wraps_to_page_one():
    """Past the end the API answers with page 1 again: a loop that waits for
    an empty page never ends."""
    all_companies = builders.page(25)["companies"]
    pages = []

    def handler(request):
        page = int(request.url.params["page"])
        pages.append(page)
        chunk = all_companies[(page - 1) * 10 : page * 10] or all_companies[:10]
        return httpx.Response(200, json={"totalResults": 25, "companies": chunk})

    found = list(client_for(handler).search(name="Testi"))
    assert len(found) == 25
    assert pages == [1, 2, 3]


def test_search_stops_when_a_page_brings_nothing_new():
    """A wrong totalResults must not make the loop run to MAX_PAGES."""
    first = builders.page(10)["companies"]
    pages = []

    def handler(request):
        pages.append(int(request.url.params["page"]))
        return httpx.Response(200, json={"totalResults": 500, "companies": first})

    assert len(list(client_for(handler).search(name="x"))) == 10
    assert pages == [1, 2]


def test_429_waits_as_retry_after_asks_then_succeeds():
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503),
            httpx.Response(200, content=SAMPLE.read_bytes()),
        ]
    )
    sleeps: list[float] = []
    company = client_for(lambda r: next(answers), sleeps).company("0250345-3")
    assert company is not None
    # Retry-After honoured first, then exponential backoff (0.5 * 2**1).
    assert sleeps == [7.0, 1.0]


def test_retry_after_is_capped_and_http_dates_are_understood():
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3600"}),
            httpx.Response(200, json={"totalResults": 0, "companies": []}),
        ]
    )
    sleeps: list[float] = []
    client_for(lambda r: next(answers), sleeps, retry_max_wait=30).company("0250345-3")
    assert sleeps == [30]
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert retry_after_seconds("soon") is None


def test_a_429_storm_gives_up_with_a_clear_error():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(429)

    sleeps: list[float] = []
    with pytest.raises(PrhUnavailable, match="after 4 attempts.*HTTP 429"):
        client_for(handler, sleeps).company("0250345-3")
    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_timeouts_and_connection_errors_are_retried():
    attempts = []

    def handler(request):
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(attempts) == 2:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"totalResults": 0, "companies": []})

    assert client_for(handler).company("0250345-3") is None
    assert len(attempts) == 3


def test_client_errors_are_not_retried():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(400)

    with pytest.raises(PrhError) as exc:
        client_for(handler).company("0250345-3")
    assert exc.value.code == "prh_refused"
    assert len(calls) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b'{"results": []}', b'{"companies": {}}'],
)
def test_answers_of_the_wrong_shape_are_refused(body):
    with pytest.raises(PrhBadResponse):
        client_for(lambda r: httpx.Response(200, content=body)).company("0250345-3")


def test_search_needs_total_results():
    def handler(request):
        return httpx.Response(200, json={"companies": []})

    with pytest.raises(PrhBadResponse, match="totalResults"):
        list(client_for(handler).search(name="x"))


def test_bulk_file_is_streamed_to_disk_and_read_back_company_by_company(tmp_path):
    payload = json.dumps(builders.page(30)["companies"]).encode()
    archive = tmp_path / "src.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("all_companies.json", payload)
    blob = archive.read_bytes()

    def handler(request):
        assert request.url.path.endswith("/all_companies")
        return httpx.Response(200, content=blob)

    seen: list[int] = []
    dest = client_for(handler).download_all_companies(
        tmp_path / "all.zip", progress=seen.append
    )
    assert dest.read_bytes() == blob
    assert not (tmp_path / "all.zip.part").exists()
    assert seen[-1] == len(blob)
    ids = [c["businessId"]["value"] for c in iter_companies(dest)]
    assert len(ids) == 30 and ids[0] == builders.business_id(0)


def test_a_broken_download_leaves_no_file(tmp_path):
    class Broken(httpx.SyncByteStream):
        def __iter__(self):
            yield b"PK\x03\x04partial"
            raise httpx.ReadError("reset")

    def handler(request):
        return httpx.Response(200, stream=Broken())

    with pytest.raises(PrhUnavailable, match="broke off"):
        client_for(handler).download_all_companies(tmp_path / "all.zip")
    assert list(tmp_path.iterdir()) == []


def test_files_in_every_shape(tmp_path: Path):
    page = builders.page(3)
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(page))
    bare = tmp_path / "bare.json"
    bare.write_text("\n  " + json.dumps(page["companies"]))
    assert len(list(iter_companies(answer))) == 3
    assert len(list(iter_companies(bare))) == 3
    assert len(list(iter_companies(SAMPLE))) == 1
    # Saved by a Windows editor: a UTF-8 byte order mark before the JSON.
    marked = tmp_path / "marked.json"
    marked.write_bytes(b"\xef\xbb\xbf" + json.dumps(page).encode())
    assert len(list(iter_companies(marked))) == 3
    zipped = tmp_path / "marked.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr(
            "all.json", b"\xef\xbb\xbf" + json.dumps(page["companies"]).encode()
        )
    assert len(list(iter_companies(zipped))) == 3
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(page)[:-200])
    with pytest.raises(PrhBadResponse, match="not valid JSON"):
        list(iter_companies(broken))
    text = tmp_path / "text.csv"
    text.write_text("a;b\n1;2\n")
    with pytest.raises(PrhBadResponse, match="not a PRH JSON"):
        list(iter_companies(text))


def test_an_answer_nested_past_the_parser_s_recursion_is_refused_as_not_json():
    # A hundred thousand open brackets: json.loads raises RecursionError,
    # which is not a ValueError.
    body = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(PrhBadResponse, match="other than JSON"):
        client_for(lambda r: httpx.Response(200, content=body)).company("0250345-3")


def test_an_answer_larger_than_any_page_is_refused_before_it_is_all_read(monkeypatch):
    from rekisteri.connectors.prh import client as client_module

    monkeypatch.setattr(client_module, "MAX_ANSWER_BYTES", 1000)
    read = []

    def chunks():
        for _ in range(100):
            read.append(1)
            yield b" " * 500

    def handler(request):
        return httpx.Response(200, content=chunks())  # no stated length

    with pytest.raises(PrhBadResponse, match="larger than"):
        client_for(handler).company("0250345-3")
    assert len(read) < 10  # stopped soon after the limit, not at the end


def test_an_answer_stating_a_length_too_large_is_refused_unread(monkeypatch):
    from rekisteri.connectors.prh import client as client_module

    monkeypatch.setattr(client_module, "MAX_ANSWER_BYTES", 1000)
    body = json.dumps(builders.page(30)).encode()
    assert len(body) > 1000
    with pytest.raises(PrhBadResponse, match="larger than"):
        client_for(lambda r: httpx.Response(200, content=body)).company("0250345-3")


def test_an_answer_that_breaks_off_midway_is_unavailable_not_a_crash():
    def chunks():
        yield b'{"companies": ['
        raise httpx.ReadError("connection reset")

    def handler(request):
        return httpx.Response(200, content=chunks())

    with pytest.raises(PrhUnavailable, match="broke off"):
        client_for(handler).company("0250345-3")


def test_a_zip_that_inflates_far_more_than_json_is_refused_unread(
    tmp_path, monkeypatch
):
    from rekisteri.connectors.prh import files

    monkeypatch.setattr(files, "ZIP_RATIO_FROM", 1 << 20)
    companies = json.dumps(builders.page(30)["companies"]).encode()
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        # Valid JSON: the companies, then megabytes of whitespace.
        archive.writestr("all.json", companies[:-1] + b" " * (4 << 20) + b"]")
    with pytest.raises(PrhBadResponse, match="inflates"):
        list(iter_companies(bomb))
    # The same companies deflated as JSON deflates are read, however large
    # the file (the ratio, not the size, is refused).
    real = tmp_path / "real.zip"
    many = json.dumps(builders.page(100)["companies"] * 20).encode()
    assert len(many) > 1 << 20
    with zipfile.ZipFile(real, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("all.json", many)
    assert len(list(iter_companies(real))) == 2000


def test_a_retry_after_in_other_digits_is_no_delay():
    assert retry_after_seconds("²") is None
    assert retry_after_seconds("١٢") is None
    assert retry_after_seconds("12") == 12.0
