"""Settings the apps declare, and the ground floor's own.

Every tunable value of Rekisteri is a Django setting named ``REKISTERI_…``,
declared once by the app that reads it, in the app's ``conf.py``: its name,
its default, one line saying what it does and, when the environment may set
it, how to read the environment variable of the same name
(docs/architecture.md, Settings)::

    SETTINGS = AppSettings(
        __name__,
        Setting("REKISTERI_DORMANT_DAYS", 90, "Days without a login …", env=env_int),
    )
    setting = SETTINGS.value

The app reads it where it needs it, at call time, as
``setting("REKISTERI_DORMANT_DAYS")``: the settings module's value when it
sets one (``override_settings`` and pytest-django's ``settings`` in tests
too), else the environment variable when the declaration reads one and it
is set, else the default. ``rekisteri/settings.py`` sets none of them.

A blank variable counts as unset for numbers, lists and paths; text is
taken as given. A variable that does not parse stops the start-up
(``CoreConfig.ready`` calls :func:`check_environment`), as it did when the
settings module read it. ``manage.py check`` warns about a ``REKISTERI_``
setting that no app declares (``rekisteri.W001``): a misspelt one would
otherwise do nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule

PREFIX = "REKISTERI_"
# What a parser returns for a variable that says nothing (blank).
UNSET: Any = object()
_MISSING = object()


def env_int(raw: str) -> Any:
    raw = raw.strip()
    return int(raw) if raw else UNSET


def env_float(raw: str) -> Any:
    raw = raw.strip()
    return float(raw) if raw else UNSET


def env_str(raw: str) -> str:
    return raw


def env_list(raw: str) -> Any:
    """Comma-separated items; none at all counts as unset."""
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    return items or UNSET


def env_path(raw: str) -> Any:
    return Path(raw) if raw.strip() else UNSET


@dataclass(frozen=True)
class Setting:
    """One setting: ``default`` may be a function of no arguments, called
    at read time (a path under ``settings.VAR_DIR``)."""

    name: str
    default: Any
    help: str
    env: Callable[[str], Any] | None = None

    def __post_init__(self) -> None:
        if not self.name.startswith(PREFIX):
            raise ImproperlyConfigured(f"{self.name}: a setting is named {PREFIX}…")

    def from_environment(self) -> Any:
        """The value when the settings module does not set one."""
        if self.env is not None:
            raw = os.environ.get(self.name)
            if raw is not None:
                try:
                    value = self.env(raw)
                except ValueError as exc:
                    raise ImproperlyConfigured(
                        f"The environment variable {self.name}: {exc}"
                    ) from None
                if value is not UNSET:
                    return value
        return self.default() if callable(self.default) else self.default

    def value(self) -> Any:
        configured = getattr(settings, self.name, _MISSING)
        return self.from_environment() if configured is _MISSING else configured


# Every declared setting by name, and the conf module that declared it.
_DECLARED: dict[str, tuple[str, Setting]] = {}


class AppSettings:
    """The settings one app declares; ``owner`` is its conf module's name."""

    def __init__(self, owner: str, *declared: Setting) -> None:
        self._own = {s.name: s for s in declared}
        for item in declared:
            other = _DECLARED.get(item.name)
            if other is not None and other[0] != owner:
                raise ImproperlyConfigured(
                    f"{item.name} is declared by both {other[0]} and {owner}."
                )
            _DECLARED[item.name] = (owner, item)

    def value(self, name: str) -> Any:
        """The setting's value now (a name this app does not declare is a
        KeyError: read it through the app that does)."""
        return self._own[name].value()

    def __getitem__(self, name: str) -> Setting:
        return self._own[name]

    def __iter__(self) -> Iterator[Setting]:
        return iter(self._own.values())


def declared() -> dict[str, Setting]:
    """Every setting an installed app declares (imports each app's conf)."""
    for config in apps.get_app_configs():
        if config.name.startswith("rekisteri.") and module_has_submodule(
            config.module, "conf"
        ):
            import_module(f"{config.name}.conf")
    return {name: item for name, (_, item) in _DECLARED.items()}


def check_environment() -> None:
    """Read every declared environment variable once: one that does not
    parse raises ImproperlyConfigured, naming it."""
    for item in declared().values():
        item.from_environment()


# --- The ground floor's own settings -----------------------------------------

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_PAGE_SIZE",
        25,
        "Rows per page of the register's and the contracts' lists and API pages.",
    ),
    Setting(
        "REKISTERI_FINANCIAL_YEAR_END_MONTH",
        12,
        "The month the financial year ends on (12: the calendar year).",
        env=env_int,
    ),
    Setting(
        "REKISTERI_BACKUP_DIR",
        lambda: Path(settings.VAR_DIR) / "backups",
        "Where manage.py backup writes its archives (default var/backups).",
        env=env_path,
    ),
    Setting(
        "REKISTERI_BACKUP_DAYS",
        90,
        "Days backup prune keeps an archive of the main database.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_BACKUP_KEYS_DAYS",
        35,
        "Days backup prune keeps a key-store archive: how long a shredded key "
        "survives in any backup.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_REPLICA_VIEWS",
        None,
        "The views that read from the replica (None: core/dbrouter.py's "
        "REPLICA_VIEWS).",
    ),
    Setting(
        "REKISTERI_KEPT_CHECK",
        False,
        "Compare every kept page fragment with the fragment rendered in full "
        "(core/templatetags/kept.py; on in the test settings).",
    ),
)
setting = SETTINGS.value
