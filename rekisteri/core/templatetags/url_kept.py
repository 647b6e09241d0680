"""Django's ``{% url %}`` tag, each route's shape reversed once per process.

Reversing a URL costs about a hundred Python calls; the person page links a
dozen routes, most of them with the id of a person, role or organization
(docs/benchmarks.md, the person page). What ``reverse`` gives for a route
depends on the route's name, the names of its arguments, the current
application, the URL configuration and the script prefix; the values only
fill the places they are given. For arguments that are all UUIDs, whose text
is the same through every converter that accepts them and needs no quoting,
the route is reversed once with stand-in UUIDs, and its text kept with the
places where each argument goes; later URLs are that text with the real ids
put in. Any other argument (a number, a string, a model) is reversed by
Django every time, as is a route whose stand-ins do not come out as given.
The settings add this library to the templates' builtins after Django's, so
``{% url %}`` in every template is this tag.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

from rekisteri.core.templatetags.core_tags import route_base

register = Library()

# Version 8 (custom) UUIDs that no row has: the register's ids are version 4
# or 7 (rekisteri/core/ids.py).
_STAND_INS = [uuid.UUID(f"5e7a2d00-0000-8000-8000-{i:012x}") for i in range(1, 9)]
_MISSING = object()
# (route, positional count, keyword names, app, urlconf, prefix) → the URL's
# text pieces and which argument goes between each two, or None when the
# route is reversed every time.
_shapes: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[int, ...]] | None] = {}


@receiver(setting_changed)
def _urls_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME", "INSTALLED_APPS"}:
        _shapes.clear()


def reverse_kept(
    view_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    current_app: str | None,
    base: tuple[Any, Any, str] | None = None,
) -> str:
    """``reverse(view_name, args=args, kwargs=kwargs, current_app=…)``;
    ``base`` is (current_app, URL configuration, script prefix) when the
    caller has them (core_tags.route_base)."""
    values = [*args, *kwargs.values()]
    if len(values) > len(_STAND_INS) or any(type(v) is not uuid.UUID for v in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    if base is None:
        base = (current_app, get_urlconf(), get_script_prefix())
    key = (view_name, len(args), tuple(kwargs), *base)
    shape = _shapes.get(key, _MISSING)
    if shape is _MISSING:
        shape = _shapes[key] = _shape(view_name, len(args), tuple(kwargs), current_app)
    if shape is None:
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    pieces, order = shape
    out = [pieces[0]]
    for piece, n in zip(pieces[1:], order, strict=True):
        out.append(str(values[n]))
        out.append(piece)
    return "".join(out)


def _shape(
    view_name: str, positional: int, names: tuple[str, ...], current_app: str | None
) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    stand_ins = _STAND_INS[: positional + len(names)]
    try:
        url = reverse(
            view_name,
            args=stand_ins[:positional],
            kwargs=dict(zip(names, stand_ins[positional:], strict=True)),
            current_app=current_app,
        )
    except NoReverseMatch:
        return None
    places = []
    for n, stand_in in enumerate(stand_ins):
        text = str(stand_in)
        if url.count(text) != 1:
            return None  # a converter changed it, or left it out
        places.append((url.index(text), n, len(text)))
    places.sort()
    pieces, order, at = [], [], 0
    for start, n, length in places:
        pieces.append(url[at:start])
        order.append(n)
        at = start + length
    pieces.append(url[at:])
    return tuple(pieces), tuple(order)


class KeptURLNode(URLNode):
    def render(self, context: Any) -> str:
        # As URLNode.render (django/template/defaulttags.py), reversing
        # through reverse_kept.
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        # The current application as URLNode finds it: the request's
        # current_app, else its resolver match's namespace.
        base = route_base(getattr(context, "request", None))
        url = ""
        try:
            url = reverse_kept(view_name, args, kwargs, base[0], base)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser: Any, token: Any) -> KeptURLNode:
    node = django_url(parser, token)
    node.__class__ = KeptURLNode
    return node
