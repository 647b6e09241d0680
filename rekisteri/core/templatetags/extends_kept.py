"""Django's ``{% extends %}`` tag, the root template's blocks listed once.

On every render, Django's ``ExtendsNode`` walks the whole node tree of the
template at the root of the inheritance (``base.html`` for every page) to
list its ``{% block %}`` nodes, which are the same each time: about 2 % of
the person page's time (docs/benchmarks.md, 2026-12-06 23:10 UTC). This
node lists them once per compiled template and keeps the list on it; the
cached template loader hands out the same compiled template for as long
as the process runs, and a template compiled anew (``DEBUG`` without the
cached loader) is listed anew. Everything else is Django's tag. The
settings add this library to the templates' builtins after Django's, so
``{% extends %}`` in every template is this tag.
"""

from __future__ import annotations

from typing import Any

from django.template import Library
from django.template.base import Node, TextNode
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
)
from django.template.loader_tags import do_extends as django_extends

register = Library()

# The attribute of a compiled template that holds its blocks by name, or
# None when the template itself extends another.
_ROOT_BLOCKS = "_rekisteri_root_blocks"


def root_blocks(template: Any) -> dict[str, BlockNode] | None:
    """``template``'s blocks by name if it is the root of an inheritance
    (its first node other than text is not ``{% extends %}``), else None:
    what Django's ``ExtendsNode.render`` adds to the block context."""
    try:
        return template.__dict__[_ROOT_BLOCKS]
    except KeyError:
        pass
    blocks = None
    for node in template.nodelist:
        if not isinstance(node, TextNode):
            if not isinstance(node, ExtendsNode):
                blocks = {
                    n.name: n for n in template.nodelist.get_nodes_by_type(BlockNode)
                }
            break
    template.__dict__[_ROOT_BLOCKS] = blocks
    return blocks


class KeptExtendsNode(ExtendsNode):
    def render(self, context: Any) -> Any:
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        blocks = root_blocks(compiled_parent)
        if blocks is not None:
            block_context.add_blocks(blocks)
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag("extends")
def do_extends(parser: Any, token: Any) -> Node:
    node = django_extends(parser, token)
    return KeptExtendsNode(node.nodelist, node.parent_name)
