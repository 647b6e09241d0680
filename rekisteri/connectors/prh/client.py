"""A client for the PRH / YTJ open data API v3 on httpx.

- ``/companies?businessId=…`` looks one company up; ``/companies?name=…``
  searches, page by page. The API answers a page past the end with page 1
  again, so paging stops when ``totalResults`` companies have been seen (or
  a page brings nothing new), never on an empty page.
- ``/all_companies`` is the daily bulk file (a zip of one JSON document);
  it is streamed to disk in chunks, never held in memory.
- Every request has a timeout. 429 and 5xx answers, and transport errors,
  are retried with exponential backoff; a ``Retry-After`` header (seconds or
  an HTTP date) is honoured up to ``RETRY_MAX_WAIT``. When the retries run
  out :class:`PrhUnavailable` says so; nothing is half-read.

The base URL and the limits are the ``REKISTERI_PRH_…`` settings
(``rekisteri/connectors/conf.py``).
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rekisteri.connectors.conf import setting
from rekisteri.core import formats

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "Rekisteri/0.1 (+registry connector)"


class PrhError(Exception):
    """The API could not give a usable answer. ``code`` is stable."""

    code = "prh_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class PrhUnavailable(PrhError):
    """Retries ran out on 429 / 5xx / transport errors."""

    code = "prh_unavailable"


class PrhBadResponse(PrhError):
    """The answer was not the JSON shape the API documents."""

    code = "prh_bad_response"


@dataclass
class PrhSettings:
    base_url: str
    timeout: float = 20.0
    retries: int = 5
    backoff: float = 1.0
    retry_max_wait: float = 60.0
    max_pages: int = 1000

    @classmethod
    def from_django(cls) -> PrhSettings:
        return cls(
            base_url=setting("REKISTERI_PRH_BASE_URL"),
            timeout=float(setting("REKISTERI_PRH_TIMEOUT")),
            retries=int(setting("REKISTERI_PRH_RETRIES")),
            backoff=float(setting("REKISTERI_PRH_BACKOFF")),
            retry_max_wait=float(setting("REKISTERI_PRH_RETRY_MAX_WAIT")),
            max_pages=int(setting("REKISTERI_PRH_MAX_PAGES")),
        )


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if formats.is_ascii_digits(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PrhClient:
    """Synchronous client. ``transport`` and ``sleep`` are for tests
    (``httpx.MockTransport``, a recording sleep)."""

    def __init__(
        self,
        conf: PrhSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.conf = conf or PrhSettings.from_django()
        self.sleep = sleep
        self.http = httpx.Client(
            base_url=self.conf.base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(
                self.conf.timeout, connect=min(10.0, self.conf.timeout)
            ),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=transport,
            follow_redirects=True,
        )
        self.requests = 0

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PrhClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport with retries ------------------------------------------

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        asked = (
            retry_after_seconds(response.headers.get("Retry-After"))
            if response is not None
            else None
        )
        wait = asked if asked is not None else self.conf.backoff * (2**attempt)
        return min(wait, self.conf.retry_max_wait)

    def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        last = ""
        for attempt in range(self.conf.retries + 1):
            response = None
            try:
                self.requests += 1
                response = self.http.send(request, stream=stream)
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__})"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
                response.close()
            if attempt == self.conf.retries:
                break
            wait = self._wait(attempt, response)
            log.info("PRH %s, retrying in %.1f s", last, wait)
            self.sleep(wait)
        raise PrhUnavailable(
            f"PRH did not answer usably after {self.conf.retries + 1} attempts "
            f"(last: {last})."
        )

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The answer to ``GET path`` as JSON, None for 404. Read as a
        stream and refused past ``MAX_ANSWER_BYTES`` (a page of a hundred
        companies is about a megabyte); JSON nested past what Python's
        parser recurses through is refused as not JSON, not raised as a
        ``RecursionError``."""
        response = self._send(
            self.http.build_request("GET", path, params=params), stream=True
        )
        try:
            if response.status_code == 404:
                return None
            if response.status_code >= 400:
                raise PrhError(
                    f"PRH refused the request (HTTP {response.status_code}).",
                    code="prh_refused",
                )
            body = _bounded_body(response)
        except httpx.HTTPError as exc:
            raise PrhUnavailable(
                f"The answer broke off ({type(exc).__name__})."
            ) from None
        finally:
            response.close()
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise PrhBadResponse(
                "PRH answered with something other than JSON."
            ) from None

    # -- API ---------------------------------------------------------------

    def company(self, business_id: str) -> dict | None:
        """The company with ``business_id`` (already validated), or None."""
        data = self.get_json("companies", {"businessId": business_id})
        if data is None:
            return None
        companies = companies_of(data)
        for company in companies:
            if (company.get("businessId") or {}).get("value") == business_id:
                return company
        return None

    def search(self, **params: Any) -> Iterator[dict]:
        """Every company matching ``params`` (``name``, ``location``,
        ``companyForm``, ``mainBusinessLine``, ``postCode``, …), page by page.

        Stops after ``totalResults`` companies, when a page brings no company
        not seen before (the API wraps to page 1 past the end), or after
        ``MAX_PAGES`` pages.
        """
        seen: set[str] = set()
        total: int | None = None
        for page in range(1, self.conf.max_pages + 1):
            data = self.get_json("companies", {**params, "page": page})
            if data is None:
                return
            if total is None:
                total = total_results(data)
            new = 0
            for company in companies_of(data):
                key = (company.get("businessId") or {}).get("value")
                if key in seen:
                    continue
                seen.add(key)
                new += 1
                yield company
            if len(seen) >= total or new == 0:
                return

    def download_all_companies(
        self, dest: Path, *, progress: Callable[[int], None] | None = None
    ) -> Path:
        """Stream the daily bulk file to ``dest`` (a temporary name first,
        renamed when complete, so a broken download leaves nothing behind)."""
        part = dest.with_name(dest.name + ".part")
        response = self._send(
            self.http.build_request("GET", "all_companies"), stream=True
        )
        try:
            if response.status_code >= 400:
                raise PrhError(
                    f"PRH refused the bulk file (HTTP {response.status_code}).",
                    code="prh_refused",
                )
            done = 0
            with part.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done)
        except httpx.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise PrhUnavailable(
                f"The bulk download broke off ({type(exc).__name__})."
            ) from None
        finally:
            response.close()
        part.replace(dest)
        return dest


# The largest answer to a lookup or a page of a search read (the bulk
# file is streamed to disk instead).
MAX_ANSWER_BYTES = 16 << 20


def _bounded_body(response: httpx.Response) -> bytes:
    """The body of a streamed answer, refused past ``MAX_ANSWER_BYTES``
    before more is read (a stated length too large is refused unread)."""
    stated = response.headers.get("content-length", "")
    if formats.is_ascii_digits(stated) and int(stated) > MAX_ANSWER_BYTES:
        raise PrhBadResponse(_too_large())
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # as they arrive, not re-chunked
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise PrhBadResponse(_too_large())
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> str:
    return (
        f"The PRH answer is larger than {MAX_ANSWER_BYTES >> 20} MB: "
        "it is not an answer to one lookup or page."
    )


def companies_of(data: Any) -> list[dict]:
    """The ``companies`` list of an answer, checked for shape."""
    if not isinstance(data, dict) or not isinstance(data.get("companies"), list):
        raise PrhBadResponse("The PRH answer has no list of companies.")
    return [c for c in data["companies"] if isinstance(c, dict)]


def total_results(data: dict) -> int:
    total = data.get("totalResults")
    if not isinstance(total, int) or total < 0:
        raise PrhBadResponse("The PRH answer has no totalResults count.")
    return total
