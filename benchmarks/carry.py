"""What a regenerated docs/benchmarks.md carries over from the page it
replaces (:func:`carry_page`; docs/benchmarks.md, Reproduce).

The page is generated from the figures at hand (``var/bench/*.json``),
which a fresh checkout does not have: ``make bench`` measures 10k and 100k
persons, 1M is a separate run of an hour or more, and dated measurements
are written by hand. Regenerating must not lose any of it:

- :func:`carry_runs`: every "### <database>, <size> persons" section whose
  database and size the new results lack (marked as kept from an earlier
  run), and a database's target rows when the old page's were of a larger
  register (the targets compare with the largest register measured);
- :func:`carry_domains`: a domain section ("## Retention"...) the new
  figures lack stays as it was; one they have is replaced by the new
  figures, followed by the old section's "### " subsections that the new
  text does not have (dated and hand-written measurements);
- the hand-written sections between the domain block and "## What is
  measured", and those after "## Reproduce", as they were.
"""

from __future__ import annotations

import re

NAMES = {"SQLite": 0, "PostgreSQL": 1}
_RUN = re.compile(r"^### (SQLite|PostgreSQL), ([0-9,]+) persons")
_ROW = re.compile(r"^\| [^|]+ \| (SQLite|PostgreSQL) \| ([0-9,]+) \|")
RULE = "|---|---|---:|---:|---|---|"
KEPT_NOTE = (
    "*Kept from an earlier run: the run that regenerated this page did not "
    "measure this database and size.*"
)


def _key(name: str, size: str) -> tuple[int, int]:
    return NAMES[name], int(size.replace(",", ""))


def _results_part(text: str) -> tuple[str, str, str]:
    """(before "## Results", its body, from the next "## " heading on)."""
    head, sep, rest = text.partition("\n## Results\n")
    if not sep:
        return text, "", ""
    end = re.search(r"^(## |<!-- )", rest, flags=re.MULTILINE)
    cut = end.start() if end else len(rest)
    return head + sep, rest[:cut], rest[cut:]


def _sections(body: str) -> tuple[str, dict[tuple[int, int], str]]:
    """The text before the first run section, and each run section by key."""
    parts = re.split(r"(?m)^(?=### )", body)
    lead, found = parts[0], {}
    for part in parts[1:]:
        m = _RUN.match(part)
        if m:
            found[_key(*m.groups())] = part
        else:  # not a register section: stays with the one before it
            lead_key = list(found)[-1] if found else None
            if lead_key is None:
                lead += part
            else:
                found[lead_key] += part
    return lead, found


def _target_rows(text: str) -> dict[int, tuple[int, list[str]]]:
    """Database → (size, rows) of the targets table."""
    rows: dict[int, tuple[int, list[str]]] = {}
    body = text.split("\n## Targets\n", 1)[-1].split("\n## ", 1)[0]
    for line in body.splitlines():
        m = _ROW.match(line)
        if m:
            db, size = _key(*m.groups())
            rows.setdefault(db, (size, []))[1].append(line)
    return rows


def _carry_targets(old: str, new: str) -> str:
    """``new``'s targets table with a database's rows taken from ``old``
    where the old ones are of a larger register."""
    merged = dict(_target_rows(new))
    changed = False
    for db, (size, rows) in _target_rows(old).items():
        if db not in merged or merged[db][0] < size:
            merged[db] = (size, rows)
            changed = True
    head, sep, rest = new.partition("\n## Targets\n")
    if not changed or not sep:
        return new
    table, sep2, after = rest.partition("\n## ")
    lines = [line for line in table.split("\n") if not _ROW.match(line)]
    if RULE not in lines:
        return new
    at = lines.index(RULE) + 1
    lines[at:at] = [row for db in sorted(merged) for row in merged[db][1]]
    return head + sep + "\n".join(lines) + sep2 + after


def carry_runs(old: str, new: str) -> str:
    """``new`` with the register sections and target rows of ``old`` that it
    lacks (see the module's text)."""
    if not old:
        return new
    _h, old_body, _t = _results_part(old)
    head, new_body, tail = _results_part(new)
    if not old_body or not head.endswith("\n## Results\n"):
        return new
    _lead, old_runs = _sections(old_body)
    lead, new_runs = _sections(new_body)
    missing = {k: v for k, v in old_runs.items() if k not in new_runs}
    if not missing:
        return new
    for key, part in missing.items():
        heading, _nl, rest = part.partition("\n")
        if KEPT_NOTE not in rest:
            part = f"{heading}\n\n{KEPT_NOTE}\n{rest}"
        new_runs[key] = part if part.endswith("\n") else part + "\n"
    body = lead + "".join(new_runs[k] for k in sorted(new_runs))
    return _carry_targets(old, head + body + tail)


DOMAINS_START = "<!-- domain benchmarks -->"
DOMAINS_END = "<!-- end of domain benchmarks -->"
METHOD = "\n## What is measured"
REPRODUCE = "\n## Reproduce"


def _h(level: str, text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first heading of ``level`` ("## " or "### ")
    and each such section as (heading line, whole section)."""
    parts = re.split(rf"(?m)^(?={level})", text)
    return parts[0], [(part.split("\n", 1)[0], part) for part in parts[1:]]


def _merge_section(old: str, new: str) -> str:
    """``new`` followed by ``old``'s "### " subsections it lacks."""
    have = {heading for heading, _part in _h("### ", new)[1]}
    kept = [part for heading, part in _h("### ", old)[1] if heading not in have]
    if not kept:
        return new
    return new.rstrip("\n") + "\n\n" + "".join(kept)


def carry_domains(old: str, new: str) -> str:
    """``new`` with its domain block merged with ``old``'s (module text)."""
    if not all(m in t for m in (DOMAINS_START, DOMAINS_END) for t in (old, new)):
        return new
    old_block = old.split(DOMAINS_START, 1)[1].split(DOMAINS_END, 1)[0]
    head, rest = new.split(DOMAINS_START, 1)
    new_block, tail = rest.split(DOMAINS_END, 1)
    lead, new_parts = _h("## ", new_block)
    fresh = dict(new_parts)
    merged = []
    for heading, part in _h("## ", old_block)[1]:
        merged.append(
            _merge_section(part, fresh.pop(heading)) if heading in fresh else part
        )
    merged += [part for heading, part in new_parts if heading in fresh]
    body = "".join(p if p.endswith("\n") else p + "\n" for p in merged)
    return head + DOMAINS_START + (lead or "\n\n") + body + DOMAINS_END + tail


def _carry_between(old: str, new: str) -> str:
    """The old page's text between the domain block and the method."""
    if not all(m in t for m in (DOMAINS_END, METHOD) for t in (old, new)):
        return new
    between = old.split(DOMAINS_END, 1)[1].split(METHOD, 1)[0]
    head, rest = new.split(DOMAINS_END, 1)
    return head + DOMAINS_END + between + METHOD + rest.split(METHOD, 1)[1]


def _carry_after(old: str, new: str) -> str:
    """The old page's sections after "## Reproduce", at the end."""
    if REPRODUCE not in old:
        return new
    rest = old.split(REPRODUCE, 1)[1]
    at = rest.find("\n## ")
    if at == -1:
        return new
    return new.rstrip("\n") + "\n\n" + rest[at + 1 :].lstrip("\n")


def carry_page(old: str, new: str) -> str:
    """``new``, a freshly rendered page, with what it must keep of ``old``
    (see the module's text)."""
    if not old:
        return new
    return _carry_after(
        old, _carry_between(old, carry_domains(old, carry_runs(old, new)))
    )
