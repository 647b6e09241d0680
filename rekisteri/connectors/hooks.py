"""What the connectors add to the register (installed in ``ready``):
the PRH section of the organization page and the ``manage.py registry``
subcommands ``refresh-prh`` and ``import-prh``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy

from rekisteri.access.selectors import visible_families
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.connectors import selectors, services
from rekisteri.connectors.contacts import commands as contact_commands
from rekisteri.connectors.prh.importer import TYPED_FIELDS, ImportReport
from rekisteri.core.errors import ServiceError
from rekisteri.registry import auditing, extensions
from rekisteri.registry import services as registry_services
from rekisteri.registry.models import Organization

PROGRESS_SECONDS = 2.0

FIELD_LABELS = {
    "name": pgettext_lazy("field", "Name"),
    "business_id": pgettext_lazy("field", "Business ID"),
    "registry_situation": pgettext_lazy("field", "Situation"),
    "industry_code": pgettext_lazy("field", "Main business line"),
    "visiting_street": _lazy("Visiting address: street"),
    "visiting_postal_code": _lazy("Visiting address: postal code"),
    "visiting_city": _lazy("Visiting address: post office"),
    "visiting_country": _lazy("Visiting address: country"),
    "postal_street": _lazy("Postal address: street"),
    "postal_postal_code": _lazy("Postal address: postal code"),
    "postal_city": _lazy("Postal address: post office"),
    "postal_country": _lazy("Postal address: country"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def organization_section(request: Any, organization: Organization) -> str:
    """Trade register facts, per-field provenance, pending proposals and the
    "refresh from PRH" button."""
    sources = registry_services.value_sources(organization)
    if not hasattr(organization, "situation_visible"):
        organization.situation_visible = auditing.situation_shown(
            organization, visible_families(request.user)
        )
    shown = [
        (field_label(f), sources[f])
        for f in (*TYPED_FIELDS, "business_id", "registry_situation", "industry_code")
        if f in sources
    ]
    return render_to_string(
        "connectors/partials/organization_registry.html",
        {
            "organization": organization,
            "value_sources": shown,
            "reviews": [
                (r, field_label(r.field))
                for r in selectors.organization_reviews(
                    user=request.user, organization=organization
                )
            ],
            "can_refresh": bool(organization.business_id)
            and has_perm(request.user, Perm.REGISTRY_CHANGE),
            "current_names": [
                n for n in organization.registered_names if not n.get("end_date")
            ],
            "previous_names": [
                n for n in organization.registered_names if n.get("end_date")
            ],
        },
        request=request,
    )


# --------------------------------------------------------------------------
# manage.py registry refresh-prh | import-prh
# --------------------------------------------------------------------------


def _progress(command: Any, options: dict[str, Any]):
    started = time.monotonic()
    last = [started]
    verbose = options.get("verbosity", 1) >= 1
    stream = getattr(command.stderr, "_out", sys.stderr)
    tty = hasattr(stream, "isatty") and stream.isatty()

    def report(r: ImportReport) -> None:
        now = time.monotonic()
        if verbose and now - last[0] >= (0.2 if tty else PROGRESS_SECONDS):
            last[0] = now
            rate = r.seen / max(now - started, 1e-9)
            line = (
                f"… {r.seen:,} companies ({rate:,.0f}/s): {r.created:,} new, "
                f"{r.updated:,} updated, {r.reviews:,} to review, {r.failed:,} failed"
            )
            if tty:
                stream.write("\r" + line)
                stream.flush()
            else:
                command.stderr.write(line)

    def done() -> None:
        if tty and verbose:
            stream.write("\n")

    return report, done, started


def _summary(command: Any, report: ImportReport, started: float) -> None:
    elapsed = time.monotonic() - started
    c = report.counts()
    command.stdout.write(
        f"PRH batch {report.batch.pk}: {c['seen']:,} companies in {elapsed:.1f} s "
        f"({c['seen'] / max(elapsed, 1e-9):,.0f}/s) — {c['created']:,} created, "
        f"{c['updated']:,} updated, {c['unchanged']:,} unchanged, "
        f"{c['not_in_register']:,} not in the register, {c['reviews']:,} changes "
        f"to review, {c['flagged']:,} flagged, {c['failed']:,} failed"
    )
    for f in report.failures[:20]:
        where = f"company #{f.position}" if f.position else "lookup"
        command.stderr.write(
            f"  {where} {f.business_id or '?'}: {f.code} — {f.message}"
        )
    if report.failed > 20:
        command.stderr.write(f"  … and {report.failed - 20:,} more")
    if report.unknown_keys:
        keys = ", ".join(sorted(report.unknown_keys))
        command.stderr.write(f"  keys not understood (ignored): {keys}")


def _fail(exc: ServiceError) -> CommandError:
    if hasattr(exc, "fields"):
        reasons = "; ".join(
            f"{name} ({code}): {m}"
            for name, errs in exc.fields.items()
            for code, m in errs
        )
        return CommandError(f"{exc.code}: {reasons}")
    return CommandError(f"{exc.code}: {exc.message}")


def _refresh_arguments(parser) -> None:
    parser.add_argument(
        "--business-id", help="Only the organization with this business ID."
    )


def _refresh_run(command: Any, options: dict[str, Any]) -> None:
    progress, done, started = _progress(command, options)
    try:
        report = services.prh_refresh(
            actor=None, business_id=options.get("business_id"), progress=progress
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    finally:
        done()
    _summary(command, report, started)


def _import_arguments(parser) -> None:
    parser.add_argument(
        "file", help="A saved /companies answer, or the all-companies bulk file."
    )
    parser.add_argument(
        "--create",
        action="store_true",
        help="Create organizations (as prospects) for companies not in the register.",
    )


def _import_run(command: Any, options: dict[str, Any]) -> None:
    progress, done, started = _progress(command, options)
    try:
        report = services.prh_import_file(
            actor=None,
            path=Path(options["file"]),
            create=options["create"],
            progress=progress,
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    finally:
        done()
    _summary(command, report, started)


def install() -> None:
    contact_commands.install()
    extensions.register_organization_section("connectors.prh", organization_section)
    extensions.register_subcommand(
        extensions.Subcommand(
            name="refresh-prh",
            help="Refresh organizations from PRH / YTJ (one, or all with an ID).",
            add_arguments=_refresh_arguments,
            run=_refresh_run,
        )
    )
    extensions.register_subcommand(
        extensions.Subcommand(
            name="import-prh",
            help="Import a saved PRH answer or the bulk file, streamed.",
            add_arguments=_import_arguments,
            run=_import_run,
        )
    )
