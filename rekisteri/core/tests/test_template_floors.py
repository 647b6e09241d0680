"""Templates keep the floors too (docs/architecture.md, Floors).

``lint-imports`` sees Python imports only; a template that loads an upper
app's tag library or includes its templates is an upward arrow it cannot
see. The apps below the register render their forms and dates with the
shared kit (``core_tags``, ``core/partials/``), never with the register's.
"""

from __future__ import annotations

import re
from pathlib import Path

import rekisteri

ROOT = Path(rekisteri.__file__).parent

# The ground and staff floors, below the register.
LOWER = ("core", "keystore", "audit", "accounts", "access", "auditlog")
UPPER = (
    "registry",
    "contracts",
    "billing",
    "messaging",
    "privacy",
    "connectors",
    "rights",
    "restrictions",
    "dsr",
    "retention",
    "jobs",
    "demo",
)

_LOAD = re.compile(r"\{%\s*load\s+([^%]*?)\s*%\}")
_TEMPLATE = re.compile(r"\{%\s*(?:include|extends)\s+[\"']([^\"'/]+)/")


def _upper_libraries() -> set[str]:
    return {
        p.stem
        for app in UPPER
        for p in (ROOT / app / "templatetags").glob("*.py")
        if p.stem != "__init__"
    }


def _lower_templates() -> list[Path]:
    found = []
    for app in LOWER:
        found += (ROOT / app / "templates").rglob("*.html")
        found += (ROOT / "templates" / app).rglob("*.html")
    return found


def test_the_kit_templates_are_found():
    assert (ROOT / "core/templates/core/partials/field.html").exists()
    assert _lower_templates()


def test_lower_templates_use_no_upper_app():
    upper_libs = _upper_libraries()
    assert "registry_tags" in upper_libs
    problems = []
    for path in _lower_templates():
        text = path.read_text()
        for libs in _LOAD.findall(text):
            for lib in set(libs.split()) & upper_libs:
                problems.append(f"{path.relative_to(ROOT)} loads {lib}")
        for app in _TEMPLATE.findall(text):
            if app in UPPER:
                problems.append(f"{path.relative_to(ROOT)} renders {app}/ templates")
    assert not problems, "Upward arrows in templates:\n  " + "\n  ".join(problems)
