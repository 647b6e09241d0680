"""Template helpers for the register: sources, statuses, search matches.

Phone numbers, addresses, dates and the form-error summary are the shared
kit's (``{% load core_tags %}``, rekisteri/core/templatetags/core_tags.py).
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.template.defaulttags import CsrfTokenNode
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


@register.simple_tag(takes_context=True)
def roles_table(
    context: Any, roles: list[Any], caption: Any, ended: bool
) -> SafeString:
    """The person page's table of current or ended roles.

    Built here rather than by an include with a loop: each row printed nine
    values, four translated labels, three URLs and a period through the
    template engine, about 800 Python calls a row (docs/benchmarks.md, the
    person page). The markup is the one the include gave; every value is
    escaped. The edit and end actions are offered as before: to a role that
    may change the register, on current roles, never on an erased person's.
    """
    from rekisteri.core.templatetags.core_tags import period, route_base
    from rekisteri.core.templatetags.url_kept import reverse_kept

    base = route_base(getattr(context, "request", None))

    def link(name: str, **kwargs: Any) -> str:
        return _e(reverse_kept(name, [], kwargs, base[0], base))

    actions = bool(
        context.get("can_change_registry") and not ended and not context.get("erased")
    )
    organization, number, kind = _t("Organization"), _t("Customer no."), _t("Role")
    when = _t("Period")
    out = [
        f'\n<table class="table table--stack{" table--muted" if ended else ""}">\n'
        f'  <caption class="visually-hidden">{_e(caption)}</caption>\n'
        "  <thead>\n    <tr>\n"
        f'      <th scope="col">{_e(organization)}</th>\n'
        f'      <th scope="col">{_e(number)}</th>\n'
        f'      <th scope="col">{_e(kind)}</th>\n'
        f'      <th scope="col">{_e(when)}</th>\n      '
    ]
    if actions:
        edit, end_today = _e(_t("Edit")), _e(_t("End today"))
        csrf = CsrfTokenNode().render(context)
        quiet = 'class="button button--small button--quiet"'
        hidden = '<span class="visually-hidden"> '
        out.append(
            '<th scope="col"><span class="visually-hidden">'
            f"{_e(_t('Actions'))}</span></th>"
        )
    out.append("\n    </tr>\n  </thead>\n  <tbody>\n    ")
    for role in roles:
        org = role.organization
        name = _e(org.name)
        url = link("registry:organization_detail", organization_id=org.id)
        title = f'<span class="subtle">{_e(role.title)}</span>' if role.title else ""
        out.append(
            "\n      <tr>\n"
            f'        <th scope="row" data-label="{_e(organization)}">\n'
            f'          <a class="rowlink" href="{url}">{name}</a>\n'
            "        </th>\n"
            f'        <td data-label="{_e(number)}" class="num">'
            f"{render_value_in_context(org.customer_number, context)}</td>\n"
            f'        <td data-label="{_e(kind)}">'
            f"{_e(role.get_kind_display())}{title}</td>\n"
            f'        <td data-label="{_e(when)}" class="nowrap">'
            f"{period(context, role.start_date, role.end_date)}</td>\n        "
        )
        if actions:
            edit_url = link("registry:role_edit", role_id=role.id)
            out.append(
                '\n          <td class="actions">\n'
                f'            <a {quiet} href="{edit_url}">'
                f"{edit}{hidden}{name}</span></a>\n            "
            )
            if not role.end_date:
                end_url = link("registry:role_end", role_id=role.id)
                out.append(
                    "\n              "
                    f'<form method="post" action="{end_url}">\n'
                    f"                {csrf}\n"
                    "                "
                    '<input type="hidden" name="return_to" value="person">\n'
                    f'                <button {quiet} type="submit">'
                    f"{end_today}{hidden}{name}</span></button>\n"
                    "              </form>\n            "
                )
            out.append("\n          </td>\n        ")
        out.append("\n      </tr>\n    ")
    out.append("\n  </tbody>\n</table>\n")
    return SafeString("".join(out))


def _e(value: Any) -> str:
    # As django.utils.html.escape, without its lazy-text wrapper.
    return html.escape(str(value))
