"""Print the personal-data catalogue and generate docs/data-catalogue.md.

``manage.py catalogue``                 prints a table per model and writes the doc
``manage.py catalogue --check``         fails if the committed doc is stale
``manage.py catalogue --format fides``  prints the catalogue as a Fides dataset
``manage.py catalogue --format markdown`` prints the doc instead of writing it

Everything is read from :mod:`rekisteri.core.catalogue`; nothing here is
hand-maintained per model. The output is sorted so that the generated doc only
changes when the catalogue does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import models

from rekisteri.core.catalogue import (
    FIDES_SUBJECTS,
    PURPOSE_FIDES_USE,
    RETENTION_RULES,
    Classification,
    Erasure,
    KeyClass,
    LegalBasis,
    PersonalData,
    Purpose,
    classification_of,
    iter_models,
)

DOC_PATH = Path(settings.BASE_DIR) / "docs" / "data-catalogue.md"
FIDES_KEY = "rekisteri"
PURPOSE_ORDER = {value: i for i, value in enumerate(Purpose.values)}

# Django internal types → Fides data types (fideslang DATA_TYPE_NAMES).
_FIDES_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "integer",
    "SmallAutoField": "integer",
    "IntegerField": "integer",
    "BigIntegerField": "integer",
    "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveBigIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "FloatField": "float",
    "DecimalField": "float",
    "BooleanField": "boolean",
    "JSONField": "object",
}
# Fides identities for data-subject requests: how a request finds a customer.
_FIDES_IDENTITIES = {
    "user.contact.email": "email",
    "user.contact.phone_number": "phone_number",
}


# --------------------------------------------------------------------------
# Collecting rows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One field of one model with its classification."""

    model: type[models.Model]
    field: models.Field
    classification: Classification | None

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def column(self) -> str:
        return self.field.column or ""

    @property
    def personal(self) -> PersonalData | None:
        c = self.classification
        return c if isinstance(c, PersonalData) else None


def _purposes(c: PersonalData) -> list[str]:
    return sorted(set(c.purposes), key=lambda p: (PURPOSE_ORDER.get(p, 99), p))


def collect() -> list[tuple[type[models.Model], list[Row]]]:
    """Models sorted by label, each with its fields in declaration order."""
    result = []
    for model in sorted(iter_models(), key=lambda m: m._meta.label):
        opts = model._meta
        if opts.proxy:
            continue
        fields = [*opts.concrete_fields, *opts.many_to_many]
        rows = [Row(model, f, classification_of(model, f)) for f in fields]
        result.append((model, rows))
    return result


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --------------------------------------------------------------------------
# Plain-text table
# --------------------------------------------------------------------------

TEXT_HEADER = (
    "field",
    "personal",
    "category",
    "purposes",
    "legal basis",
    "retention",
    "erasure",
    "key",
    "subject",
    "condition",
)


def _text_cells(row: Row) -> tuple[str, ...]:
    c = row.personal
    if row.classification is None:
        return (row.name, "UNCLASSIFIED", *("" for _ in TEXT_HEADER[2:]))
    if c is None:
        return (row.name, "no", *("" for _ in TEXT_HEADER[2:]))
    return (
        row.name,
        "yes",
        c.category,
        ", ".join(_purposes(c)),
        c.legal_basis,
        c.retention,
        c.erasure,
        c.key_class,
        c.subject,
        f"if {c.when}" if c.when else "",
    )


def render_text(collected: list[tuple[type[models.Model], list[Row]]]) -> str:
    """A readable table per model; empty columns of a model are left out."""
    out: list[str] = []
    for model, rows in collected:
        cells = [_text_cells(r) for r in rows]
        used = [i for i in range(len(TEXT_HEADER)) if i < 2 or any(c[i] for c in cells)]
        widths = {
            i: max(len(TEXT_HEADER[i]), *(len(c[i]) for c in cells)) for i in used
        }

        def line(values: tuple[str, ...], widths=widths, used=used) -> str:
            return "  " + "  ".join(values[i].ljust(widths[i]) for i in used).rstrip()

        personal = sum(1 for c in cells if c[1] == "yes")
        out.append(
            f"{model._meta.label} ({model._meta.db_table}): "
            f"{personal} of {len(cells)} fields personal"
        )
        out.append(line(TEXT_HEADER))
        out.append(line(tuple("-" * widths.get(i, 0) for i in range(len(TEXT_HEADER)))))
        out.extend(line(c) for c in cells)
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_md(c) for c in r) + " |" for r in rows)
    return lines


def render_markdown(collected: list[tuple[type[models.Model], list[Row]]]) -> str:
    """docs/data-catalogue.md: the same catalogue, for people."""
    personal_rows = [r for _m, rows in collected for r in rows if r.personal]
    out: list[str] = [
        "# Data catalogue",
        "",
        "<!-- Generated by `manage.py catalogue`. Do not edit by hand. -->",
        "",
        "This document is generated by `python manage.py catalogue` from the",
        "personal-data catalogue declared on the models themselves",
        "(`rekisteri.core.catalogue`, docs/architecture.md).",
        "Do not edit it by hand: change the declaration where the model is",
        "defined and run the command again.",
        "`python manage.py catalogue --check` fails while this file is stale, and",
        "`python manage.py check` fails on any field that is not classified.",
        "",
        f"{len(collected)} models, "
        f"{sum(len(rows) for _m, rows in collected)} fields, "
        f"{len(personal_rows)} of them personal data.",
        "",
        "## Personal-data categories and purposes",
        "",
        "Which category of personal data is processed for which purpose "
        "(✓ = at least one field).",
        "",
    ]
    matrix: dict[str, set[str]] = {}
    for r in personal_rows:
        assert r.personal is not None
        matrix.setdefault(r.personal.category, set()).update(r.personal.purposes)
    out += _table(
        ["Category", *(str(p.label) for p in Purpose)],
        [
            [f"`{cat}`", *("✓" if p.value in used else "" for p in Purpose)]
            for cat, used in sorted(matrix.items())
        ],
    )
    out += ["", "### Purposes", ""]
    out += _table(
        ["Purpose", "Name", "Fides data use"],
        [
            [f"`{p.value}`", str(p.label), f"`{PURPOSE_FIDES_USE[p.value]}`"]
            for p in Purpose
        ],
    )
    out += ["", "### Legal bases, erasure and key classes", ""]
    out += _table(
        ["Value", "Meaning"],
        [
            [f"`{choice.value}`", str(choice.label)]
            for choices in (LegalBasis, Erasure, KeyClass)
            for choice in choices
        ],
    )

    out += ["", "## Personal data per model", ""]
    for model, rows in collected:
        personal = [r for r in rows if r.personal]
        if not personal:
            continue
        out += [f"### {model._meta.label} (`{model._meta.db_table}`)", ""]
        table_rows = []
        for r in personal:
            c = r.personal
            assert c is not None
            table_rows.append(
                [
                    f"`{r.name}`",
                    f"`{c.category}`",
                    ", ".join(_purposes(c)),
                    c.legal_basis,
                    c.retention,
                    c.erasure,
                    c.key_class,
                    f"`{c.subject}`",
                    f"only if `{c.when}`" if c.when else "",
                    c.description,
                ]
            )
        out += _table(
            [
                "Field",
                "Category",
                "Purposes",
                "Legal basis",
                "Retention",
                "Erasure",
                "Key class",
                "Subject",
                "Condition",
                "Notes",
            ],
            table_rows,
        )
        out.append("")

    out += ["## Fields that are not personal data", ""]
    for model, rows in collected:
        plain = [r for r in rows if r.classification and not r.personal]
        if not plain:
            continue
        out += [f"### {model._meta.label}", ""]
        for r in plain:
            reason = getattr(r.classification, "reason", "")
            out.append(f"- `{r.name}`" + (f": {reason}" if reason else ""))
        out.append("")

    out += ["## Retention rules", ""]
    used: dict[str, int] = {}
    for r in personal_rows:
        assert r.personal is not None
        used[r.personal.retention] = used.get(r.personal.retention, 0) + 1
    out += _table(
        ["Rule", "Description", "Personal fields"],
        [
            [f"`{name}`", description, str(used.get(name, 0))]
            for name, description in RETENTION_RULES.items()
        ],
    )
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Fides dataset
# --------------------------------------------------------------------------


def _fides_type(f: models.Field) -> str:
    target = f.target_field if f.is_relation and f.many_to_one else f
    return _FIDES_TYPES.get(target.get_internal_type(), "string")


def _fides_meta(f: models.Field) -> dict[str, Any]:
    meta: dict[str, Any] = {"data_type": _fides_type(f)}
    if f.max_length and f.get_internal_type() != "UUIDField":
        meta["length"] = f.max_length
    if f.primary_key:
        meta["primary_key"] = True
    if f.is_relation and f.many_to_one:
        target = f.target_field
        meta["references"] = [
            {
                "dataset": FIDES_KEY,
                "field": f"{target.model._meta.db_table}.{target.column}",
                "direction": "to",
            }
        ]
    return meta


def _fides_field(
    name: str, meta: dict[str, Any], c: Classification | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name}
    if isinstance(c, PersonalData):
        details = [
            f"Legal basis: {c.legal_basis}.",
            f"Retention: {c.retention}.",
            f"Erasure: {c.erasure}.",
            f"Key class: {c.key_class}.",
            f"Subject: {c.subject}.",
        ]
        if c.when:
            details.append(f"Personal only when {c.when} is true.")
        if c.description:
            details.insert(0, c.description.rstrip(".") + ".")
        entry["description"] = " ".join(details)
        entry["data_categories"] = [c.category]
        entry["data_uses"] = sorted({PURPOSE_FIDES_USE[p] for p in c.purposes})
        entry["data_subjects"] = [
            FIDES_SUBJECTS["staff" if c.subject == "staff" else "contact"]
        ]
        identity = _FIDES_IDENTITIES.get(c.category)
        if identity and c.subject != "staff":
            meta = {**meta, "identity": identity}
    elif c is not None and getattr(c, "reason", ""):
        entry["description"] = c.reason
    entry["fides_meta"] = meta
    return entry


def render_fides(collected: list[tuple[type[models.Model], list[Row]]]) -> dict:
    """The catalogue as a Fides dataset (fideslang ``Dataset`` shape)."""
    collections: dict[str, list[dict[str, Any]]] = {}
    descriptions: dict[str, str] = {}
    for model, rows in collected:
        table = model._meta.db_table
        descriptions[table] = model._meta.label
        fields = collections.setdefault(table, [])
        for r in rows:
            if r.field.many_to_many:
                # The link table's columns: the m2m's classification applies to
                # the column that points at the other side.
                through = r.field.remote_field.through
                if not through._meta.auto_created:
                    continue  # an explicit through model is listed on its own
                link = through._meta.db_table
                descriptions[link] = f"{model._meta.label}.{r.name} (link table)"
                link_fields = collections.setdefault(link, [])
                for f in through._meta.concrete_fields:
                    other = (
                        f.is_relation
                        and f.related_model is r.field.related_model
                        and f.name != model._meta.model_name
                    )
                    link_fields.append(
                        _fides_field(
                            f.column,
                            _fides_meta(f),
                            r.classification if other else None,
                        )
                    )
                continue
            fields.append(
                _fides_field(r.column, _fides_meta(r.field), r.classification)
            )
    return {
        "dataset": [
            {
                "fides_key": FIDES_KEY,
                "name": "Rekisteri",
                "description": (
                    "Customer register. Generated by `manage.py catalogue "
                    "--format fides` from the personal-data catalogue."
                ),
                "collections": [
                    {
                        "name": name,
                        "description": descriptions[name],
                        "fields": sorted(fields, key=lambda f: f["name"]),
                    }
                    for name, fields in sorted(collections.items())
                ],
            }
        ]
    }


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Print the personal-data catalogue and write docs/data-catalogue.md; "
        "--check fails if the doc is stale, --format fides prints a Fides dataset."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--format",
            choices=["text", "markdown", "fides"],
            default="text",
            help="text (default; also writes the doc), markdown or fides (JSON).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Do not write; exit non-zero if the doc differs from the catalogue.",
        )
        parser.add_argument(
            "--doc",
            default=str(DOC_PATH),
            help="Path of the generated Markdown (default docs/data-catalogue.md).",
        )

    @no_translations  # the generated doc must not depend on the active language
    def handle(self, *args: Any, **options: Any) -> None:
        collected = collect()
        unclassified = [
            f"{m._meta.label}.{r.name}"
            for m, rows in collected
            for r in rows
            if r.classification is None
        ]
        if unclassified:
            raise CommandError(
                "Fields not in the catalogue (run manage.py check): "
                + ", ".join(unclassified)
            )
        doc = Path(options["doc"])
        markdown = render_markdown(collected)
        if options["check"]:
            current = doc.read_text(encoding="utf-8") if doc.exists() else None
            if current != markdown:
                raise CommandError(
                    f"{doc} is out of date with the catalogue; run "
                    "`python manage.py catalogue` and commit the result."
                )
            self.stdout.write(f"{doc} is up to date.")
            return
        fmt = options["format"]
        if fmt == "fides":
            self.stdout.write(
                json.dumps(render_fides(collected), indent=2, ensure_ascii=False)
            )
            return
        if fmt == "markdown":
            self.stdout.write(markdown, ending="")
            return
        self.stdout.write(render_text(collected))
        doc.parent.mkdir(parents=True, exist_ok=True)
        if not doc.exists() or doc.read_text(encoding="utf-8") != markdown:
            doc.write_text(markdown, encoding="utf-8")
            self.stdout.write(f"Wrote {doc}.")
        else:
            self.stdout.write(f"{doc} is up to date.")
