"""The contact benchmark's lists: the heap pass's shorter file is the first
rows of the longer one, so their batches read as many companies."""

from __future__ import annotations

from pathlib import Path

from benchmarks.contacts import write_list


def test_a_shorter_list_with_the_longer_ones_companies_is_its_first_rows(
    tmp_path: Path,
) -> None:
    long, short = tmp_path / "long.csv", tmp_path / "short.csv"
    write_list(long, 400)
    write_list(short, 100, companies=20)
    long_lines = long.read_text(encoding="utf-8-sig").splitlines()
    short_lines = short.read_text(encoding="utf-8-sig").splitlines()
    assert short_lines == long_lines[:101]
    companies = {line.split(";")[4] for line in short_lines[1:]}
    assert len(companies) == 20


def test_by_default_a_list_has_a_company_for_every_twenty_rows(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    write_list(path, 100)
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert len(lines) == 100
    assert len({line.split(";")[4] for line in lines}) == 5
