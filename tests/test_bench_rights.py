"""The rights benchmark's table, from a fixed set of figures: the targets
are marked where missed, the first erasure stands apart, and the size ratio
is given for the p50 and the p95."""

from __future__ import annotations

from benchmarks import rights


def _stat(p50: float, p95: float) -> dict:
    return {"n": 30, "p50_ms": p50, "p95_ms": p95, "p99_ms": p95, "mean_ms": p50}


def _run(size: int, export: float, plan: float, erase: float, first: float) -> dict:
    return {
        "database": "postgresql",
        "size": size,
        "load_average": 1.0,
        "messages": 1000,
        "invoices": 100,
        "erase_messages": 100,
        "export": _stat(export * 0.8, export),
        "plan": _stat(plan * 0.8, plan),
        "erase": _stat(erase * 0.8, erase),
        "erase_first_ms": first,
    }


def test_a_missed_target_is_marked_and_the_first_erasure_stands_apart() -> None:
    text = rights.render([_run(10_000, 100.0, 20.0, 40.0, 61.0)])
    row = next(line for line in text.splitlines() if line.startswith("| postgresql"))
    assert "80.0 / 100.0 " in row and "✗" not in row
    assert "| 61.0 |" in row
    text = rights.render([_run(10_000, 201.0, 31.0, 51.0, 61.0)])
    row = next(line for line in text.splitlines() if line.startswith("| postgresql"))
    assert row.count("✗") == 3


def test_the_size_ratio_is_given_for_the_median_and_the_tail() -> None:
    text = rights.render(
        [_run(10_000, 100.0, 20.0, 40.0, 50.0), _run(100_000, 110.0, 30.0, 40.0, 50.0)]
    )
    p50 = next(line for line in text.splitlines() if ": p50 at 100,000" in line)
    p95 = next(line for line in text.splitlines() if ": p95 at 100,000" in line)
    assert "export 1.10, plan 1.50, erase 1.00" in p50
    assert "export 1.10, plan 1.50, erase 1.00" in p95
