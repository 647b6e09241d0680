"""Template helpers every app's pages use: phone numbers, addresses, dates
and the form-error summary (``{% load core_tags %}``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from rekisteri.core import formats

register = template.Library()

# Countries a Finnish vendor's customers most often have addresses in. Any
# other country shows its ISO code, which the post understands as well.
COUNTRY_NAMES: dict[str, Any] = {
    "SE": _("Sweden"),
    "NO": _("Norway"),
    "DK": _("Denmark"),
    "IS": _("Iceland"),
    "EE": _("Estonia"),
    "LV": _("Latvia"),
    "LT": _("Lithuania"),
    "DE": _("Germany"),
    "NL": _("Netherlands"),
    "PL": _("Poland"),
    "FR": _("France"),
    "ES": _("Spain"),
    "IT": _("Italy"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
}

# Åland shares the Finnish postal system: no country line within Finland.
DOMESTIC = {"FI", "AX"}


@register.filter
def phone(value: str | None) -> str:
    """An E.164 number in its human form (national for Finnish numbers)."""
    if not value:
        return ""
    return formats.format_phone(value)


@register.filter
def tel_href(value: str | None) -> str:
    """A ``tel:`` link target; E.164 is already the right form."""
    return f"tel:{value}" if value else ""


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get(code, code))


@register.simple_tag
def address_lines(obj: Any, prefix: str = "") -> list[str]:
    """Address lines in Finnish postal style.

    ``Mannerheimintie 1`` / ``00100 HELSINKI``, and the country in capitals on
    a last line only when it is not Finland. ``prefix`` selects
    ``postal``/``visiting`` on organizations; persons have no prefix.
    """
    p = f"{prefix}_" if prefix else ""
    street = getattr(obj, f"{p}street", "") or ""
    postal_code = getattr(obj, f"{p}postal_code", "") or ""
    city = getattr(obj, f"{p}city", "") or ""
    country = (getattr(obj, f"{p}country", "") or "FI").upper()
    if not (street or postal_code or city):
        return []
    lines = [line for line in (street, f"{postal_code} {city}".strip()) if line]
    if country not in DOMESTIC:
        lines.append(country_name(country).upper())
    return lines


@register.simple_tag
def forms_with_errors(*forms: Any) -> list[Any]:
    """The given forms that have errors (for the error summary)."""
    return [f for f in forms if f is not None and f.errors]


@register.simple_tag(takes_context=True)
def period(context: Any, start: Any, end: Any) -> SafeString:
    """What ``{% include "core/partials/period.html" %}`` renders for a row
    with these start and end dates, from one tag: a table of roles renders
    it once a row, and the include's template lookup, context, filters and
    ``{% blocktranslate %}`` cost about 200 Python calls each time
    (docs/benchmarks.md, the person page)."""

    def esc(value: Any) -> str:
        return conditional_escape(value) if context.autoescape else str(value)

    since = f'<time datetime="{esc(iso_day(start))}">'
    if end:
        return mark_safe(  # noqa: S308 - every value escaped above
            f"{since}{esc(day(start))}</time> – "
            f'<time datetime="{esc(iso_day(end))}">{esc(day(end))}</time>'
        )
    text = gettext("since %(date)s") % {"date": esc(day(start))}
    return mark_safe(f"{since}{text}</time>")  # noqa: S308 - as blocktranslate


def iso_day(value: Any) -> str:
    """``value|date:"Y-m-d"``; a date (not a date and time) without the
    filter's format lookup (Y is four digits, m and d two)."""
    if type(value) is dt.date:
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return date_filter(value, "Y-m-d")


@register.filter
def day(value: Any) -> str:
    """A date in the short form readers of each language expect.

    Finnish: ``1.3.2022``. English: ``1 Mar 2022`` rather than Django's
    American ``03/01/2022``, which a Finnish reader would take for 3 January.
    """
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    finnish = (get_language() or "fi").startswith("fi")
    if not isinstance(value, dt.date):
        return date_format(value, "j.n.Y" if finnish else "j M Y")
    # What date_format gives for these two formats (django/utils/dateformat.py:
    # j and n without a leading zero, Y in four digits, M the month's short
    # name in title case) without its format lookup: pages print many dates.
    if finnish:
        return f"{value.day}.{value.month}.{value.year:04d}"
    return f"{value.day} {str(MONTHS_3[value.month]).title()} {value.year:04d}"


_routes: dict[tuple[Any, ...], str] = {}


@register.simple_tag(takes_context=True)
def route(context: Any, name: str) -> str:
    """``{% url name %}`` for a route that takes no arguments.

    Its URL depends only on the URL configuration, the script prefix and
    the current application, so it is reversed once per process for each of
    them: the navigation of every page links a dozen such routes, at about
    a hundred Python calls per reverse (docs/benchmarks.md, the person page).
    """
    request = getattr(context, "request", None)
    key = (name, *route_base(request))
    url = _routes.get(key)
    if url is None:
        url = _routes[key] = reverse(name, current_app=key[1])
    return url


def route_base(request: Any) -> tuple[Any, Any, str]:
    """What a reversed URL depends on besides the route and its arguments:
    the current application, the URL configuration and the script prefix.
    Within one request they do not change, so they are read once and kept
    on the request."""
    base = getattr(request, "_route_base", None)
    if base is None:
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(
                getattr(request, "resolver_match", None), "namespace", None
            )
        base = (current_app, get_urlconf(), get_script_prefix())
        if request is not None:
            request._route_base = base
    return base
