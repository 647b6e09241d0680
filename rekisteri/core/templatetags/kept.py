"""``{% kept %}``: a fragment of a page rendered once per process and key.

Every page extends ``base.html``, whose header and footer are the same for
every request with the same language, the same permissions and the same
route, apart from a few values of the request: the CSRF token, the staff
member's name, the path to come back to. Rendering them through the
template engine was about 4,900 Python calls of a person page's 17,900
(docs/benchmarks.md, the person page). ::

    {% load kept %}
    {% kept LANGUAGE_CODE nav_key %}
      <form …>{% slot %}{% csrf_token %}{% endslot %}…</form>
      <span>{% slot %}{{ user.get_full_name }}{% endslot %}</span>
    {% endkept %}

The variables after ``kept`` are its key: the fragment is rendered once for
each key (and autoescaping), with every ``{% slot %}`` left as a gap, and
the text is kept in the process. Later renders with the same key give the
kept text with each gap filled by its slot, rendered then in the context
around the fragment. So:

- Everything the fragment shows outside its slots must follow from its key
  and from the process's settings and catalogues (a changed setting empties
  the store). Nothing of a request, an account or a person goes outside a
  slot: the kept text is shared by every request.
- A slot is rendered in the context around ``{% kept %}``, not inside the
  fragment's loops or ``{% with %}``: it uses only the page's variables.
- ``{% csrf_token %}`` and ``{{ csrf_token }}`` outside a slot, and a
  ``{% block %}`` outside a slot (a child template's override would not be
  seen), are template syntax errors.
- When a key variable is missing from the context (a page rendered without
  its request), the fragment is rendered in full and nothing is kept.

With ``REKISTERI_KEPT_CHECK`` on (the test settings), every render of a kept
fragment is compared with the fragment rendered in full, and a difference
is an error: a key that misses something the fragment depends on shows up
in the tests of any page that renders it twice.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library, Node, NodeList, TemplateSyntaxError
from django.template.base import VariableNode
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString, mark_safe

register = Library()

# (node, autoescape, *key values) -> the text between the gaps, with each
# gap's slot number between them: text, slot, text, slot, …, text.
_store: dict[tuple[Any, ...], tuple[str | int, ...]] = {}
# Keys are languages, permissions and routes: a worker meets a few dozen.
# The bound (a header is about 5 kB) only stops a template whose key takes
# many values from growing the store for ever.
MAX_KEPT = 1024
# Set in the context while a fragment renders its gaps: slots give a mark.
_GAPS = "\x00kept-gaps"
_MARK = "\x00kept-slot-{}\x00"
_MARK_RE = re.compile("\x00kept-slot-(\\d+)\x00")
_check: bool | None = None


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    global _check
    _store.clear()
    _check = None


def _checking() -> bool:
    global _check
    if _check is None:
        from rekisteri.core.conf import setting

        _check = bool(setting("REKISTERI_KEPT_CHECK"))
    return _check


class SlotNode(Node):
    """A per-request part of a kept fragment (or, outside one, just its
    contents)."""

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.number = 0

    def render(self, context: Any) -> SafeString:
        if context.get(_GAPS):
            return SafeString(_MARK.format(self.number))
        return self.nodelist.render(context)


class KeptNode(Node):
    def __init__(
        self, nodelist: NodeList, key: list[Any], slots: list[SlotNode]
    ) -> None:
        self.nodelist = nodelist
        self.key = key
        self.slots = slots

    def render(self, context: Any) -> SafeString:
        values = [v.resolve(context, ignore_failures=True) for v in self.key]
        if None in values:
            return self.nodelist.render(context)
        key = (self, context.autoescape, *values)
        parts = _store.get(key)
        if parts is None:
            with context.push({_GAPS: True}):
                text = self.nodelist.render(context)
            parts = tuple(
                int(piece) if n % 2 else piece
                for n, piece in enumerate(_MARK_RE.split(text))
            )
            if len(_store) >= MAX_KEPT:
                _store.clear()
            _store[key] = parts
        pieces = list(parts)
        slots = self.slots
        for n in range(1, len(pieces), 2):
            pieces[n] = slots[parts[n]].nodelist.render(context)
        text = "".join(pieces)
        if _checking():
            with context.push({_GAPS: False}):
                full = self.nodelist.render(context)
            if full != text:
                raise TemplateSyntaxError(
                    f"{{% kept %}} at {self.origin.name}:{self.token.lineno} gave "
                    "other text than the fragment rendered in full: its key misses "
                    "something the fragment shows, or a slot uses a variable of "
                    "the fragment."
                )
        return mark_safe(text)  # noqa: S308 - rendered by the template engine


def _outside_slots(nodelist: NodeList) -> Any:
    for node in nodelist:
        if isinstance(node, SlotNode):
            yield node
            continue
        yield node
        for attr in node.child_nodelists:
            child = getattr(node, attr, None)
            if child:
                yield from _outside_slots(child)


@register.tag
def kept(parser: Any, token: Any) -> KeptNode:
    key = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    slots = []
    for node in _outside_slots(nodelist):
        if isinstance(node, SlotNode):
            node.number = len(slots)
            slots.append(node)
        elif isinstance(node, CsrfTokenNode | BlockNode | KeptNode) or (
            isinstance(node, VariableNode)
            and getattr(node.filter_expression.var, "lookups", None)
            and node.filter_expression.var.lookups[0] == "csrf_token"
        ):
            raise TemplateSyntaxError(
                f"{token.contents!r}: {node.token.contents!r} only in a {{% slot %}}"
                " (and no {% kept %} in another)"
            )
    return KeptNode(nodelist, key, slots)


@register.tag
def slot(parser: Any, token: Any) -> SlotNode:
    if len(token.split_contents()) != 1:
        raise TemplateSyntaxError("{% slot %} takes no arguments")
    nodelist = parser.parse(("endslot",))
    parser.delete_first_token()
    return SlotNode(nodelist)
