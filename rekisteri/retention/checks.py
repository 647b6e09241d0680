"""``manage.py check`` refuses a retention period that is not a whole number,
and a sweep batch time SQLite's busy timeout would not wait for."""

from __future__ import annotations

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from rekisteri.core import fiscal
from rekisteri.retention import conf


@register()
def retention_settings(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    errors = []
    for name in conf.PERIODS:
        try:
            conf.value(name)
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="retention.E001"))
    try:
        conf.batch_seconds()
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), id="retention.E003"))
    try:
        fiscal.end_month()
    except ValueError as exc:
        errors.append(Error(str(exc), id="retention.E002"))
    return errors
