"""One guard against formula injection in CSV downloads.

A spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (and
some read a leading tab or carriage return the same way) as a formula. Every
CSV the application writes passes its text cells through :func:`safe_cell`.
"""

from __future__ import annotations

FORMULA_STARTS = "=+-@\t\r"


def safe_cell(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would run it."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value
