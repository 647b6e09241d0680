"""Template helpers for the register: sources, statuses, search matches.

Phone numbers, addresses, dates and the form-error summary are the shared
kit's (``{% load core_tags %}``, rekisteri/core/templatetags/core_tags.py).
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def source_name(source: Any) -> str:
    """A data source's name in the current language.

    Built-in sources are named "Finnish / English"; registry names such as
    "Fonecta Oy" have one form for both.
    """
    name = str(getattr(source, "name", source) or "")
    if " / " not in name:
        return name
    finnish, english = name.split(" / ", 1)
    return english if (get_language() or "fi").startswith("en") else finnish


@register.filter
def status_class(status: str) -> str:
    """CSS modifier for an organization status badge."""
    return {
        "customer": "badge--ok",
        "prospect": "badge--info",
        "former": "badge--muted",
    }.get(status, "badge--muted")


@register.filter
def match_label(kind: str) -> str:
    """What a search matched, in words."""
    labels = {
        "email": _("Email"),
        "phone": _("Phone"),
        "customer_number": _("Customer number"),
        "business_id": _("Business ID"),
        "name": _("Name"),
    }
    return str(labels.get(kind, ""))


@register.simple_tag
def provenance_blocks(blocks: list[tuple[str, dict[str, str] | None]]) -> SafeString:
    """The person page's "where the data came from" blocks, from the view's
    (title, facts) list (registry.views._provenance_blocks).

    Built here rather than by a template loop: a page shows one block per
    value, each with four printed values, and the loop's lookups, filters
    and escaping cost about 220 Python calls a block (docs/benchmarks.md,
    the person page). Every value is escaped."""
    source, obtained, batch = _t("Source"), _t("Obtained"), _t("Import batch")
    out = []
    for title, facts in blocks:
        out.append(f'<div class="provenance">\n  <h3 class="label">{_e(title)}</h3>\n')
        if facts is None:
            out.append(f'  <p class="muted">{_e(_t("Not recorded"))}</p>\n</div>\n')
            continue
        out.append(
            '  <dl class="facts">\n'
            f"    <div><dt>{_e(source)}</dt><dd>{_e(facts['source'])}</dd></div>\n"
            f'    <div><dt>{_e(obtained)}</dt><dd><time datetime="{_e(facts["at"])}">'
            f"{_e(facts['day'])}</time></dd></div>\n"
        )
        if facts["batch"]:
            out.append(
                f"    <div><dt>{_e(batch)}</dt><dd>{_e(facts['batch'])}</dd></div>\n"
            )
        out.append("  </dl>\n</div>\n")
    return SafeString("".join(out))


def _e(value: Any) -> str:
    # As django.utils.html.escape, without its lazy-text wrapper.
    return html.escape(str(value))
