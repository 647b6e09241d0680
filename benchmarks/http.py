"""The person page over HTTP: gunicorn on 127.0.0.1 and a bounded load.

The load generator is ``wrk`` when installed (C, so it leaves the CPU to the
server) and otherwise a small keep-alive client on Python threads. Both run
for a fixed time with a fixed number of connections, and only ever against
127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from benchmarks.stats import summary

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(
    env: Mapping[str, str],
    *,
    workers: int,
    log_path: Path,
    wsgi: str = "rekisteri.wsgi",
) -> Iterator[int]:
    """Run ``gunicorn <wsgi>`` on a free local port; yield the port.

    ``wsgi`` is the module holding the application: ``rekisteri.wsgi``, or
    ``benchmarks.plaintext_wsgi`` for the plaintext baseline.

    The server gets its own process group so that stopping it also stops
    its workers, and it is stopped however the block is left.
    """
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                sys.executable,
                "-m",
                "gunicorn",
                wsgi,
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{port}",
                "--log-level",
                "warning",
            ],
            env=dict(env),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        _wait_until_listening(port, proc, timeout=60)
        yield port
    finally:
        _stop(proc)


def _wait_until_listening(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            status, _ = get(port, "/accounts/login/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------
# Load generators
# --------------------------------------------------------------------------

_WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, ' ..
    '"p95_us": %%d, "p99_us": %%d, "mean_us": %%d, "errors": %%d, ' ..
    '"status_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua literal here


def wrk(
    port: int,
    paths: Sequence[str],
    *,
    cookie: str | None,
    duration: int,
    connections: int,
    threads: int,
) -> dict[str, Any]:
    headers = f'["Cookie"] = {_lua_string(cookie)}' if cookie else ""
    script = _WRK_SCRIPT % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "headers": headers,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
        script_path = fh.name
    try:
        out = subprocess.run(  # noqa: S603 - fixed argument list
            [
                shutil.which("wrk") or "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                script_path,
                f"http://{HOST}:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script_path)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    seconds = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "requests": raw["requests"],
        "requests_per_second": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "errors": raw["errors"] + raw["status_errors"],
    }


def python_load(
    port: int,
    paths: Sequence[str],
    *,
    cookie: str | None,
    duration: int,
    connections: int,
) -> dict[str, Any]:
    """Keep-alive clients on threads; each sends its next request on reply."""
    deadline = time.monotonic() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    headers = {"Cookie": cookie} if cookie else {}

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        i = n
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += connections
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                continue
            latencies[n].append(time.perf_counter() - start)
            if response.status >= 400:
                errors[n] += 1
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=duration + 30)
    elapsed = time.perf_counter() - started
    times = [t for per in latencies for t in per]
    stats = summary(times)
    return {
        "tool": "python threads",
        "requests": len(times),
        "requests_per_second": round(len(times) / elapsed, 1),
        "p50_ms": round(stats["p50_ms"], 2),
        "p95_ms": round(stats["p95_ms"], 2),
        "p99_ms": round(stats["p99_ms"], 2),
        "errors": sum(errors),
    }


def load(
    port: int,
    paths: Sequence[str],
    *,
    cookie: str | None,
    duration: int,
    connections: int,
    threads: int,
) -> dict[str, Any]:
    if shutil.which("wrk"):
        return wrk(
            port,
            paths,
            cookie=cookie,
            duration=duration,
            connections=connections,
            threads=threads,
        )
    return python_load(
        port, paths, cookie=cookie, duration=duration, connections=connections
    )


def measure(
    env: Mapping[str, str],
    *,
    person_paths: Sequence[str],
    cookie: str,
    workers: int,
    duration: int,
    connections: int,
    log_path: Path,
    wsgi: str = "rekisteri.wsgi",
    expect: str | None = None,
) -> dict[str, Any]:
    """Person pages with a session, then the login page (no database).

    ``expect`` is text the first person page must contain (as HTML).
    """
    with gunicorn(env, workers=workers, log_path=log_path, wsgi=wsgi) as port:
        status, body = get(port, person_paths[0], cookie)
        if status != 200:
            raise RuntimeError(f"person page answered {status}, not 200")
        if expect is not None and expect.encode() not in body:
            # A page of "[unreadable]" placeholders also answers 200: the
            # server would be timing something other than the register.
            raise RuntimeError("the person page does not show the person's name")
        threads = min(connections, os.cpu_count() or 1)
        person = load(
            port,
            person_paths,
            cookie=cookie,
            duration=duration,
            connections=connections,
            threads=threads,
        )
        baseline = load(
            port,
            ["/accounts/login/"],
            cookie=None,
            duration=duration,
            connections=connections,
            threads=threads,
        )
    return {
        "server": f"gunicorn, {workers} sync workers",
        "wsgi": wsgi,
        "connections": connections,
        "duration_s": duration,
        "person_page": person,
        "baseline": baseline,
    }
