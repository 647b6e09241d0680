"""``{% extends %}`` (core/templatetags/extends_kept.py) renders what
Django's renders, and lists the root template's blocks once."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import NodeList

from rekisteri.core.templatetags import extends_kept

TEMPLATES = {
    "root.html": (
        "<{% block title %}root{% endblock %}|"
        "{% if x %}{% block body %}body {{ x }}{% endblock %}{% endif %}|"
        "{% block foot %}foot{% endblock %}>"
    ),
    "middle.html": (
        '{% extends "root.html" %}'
        "{% block title %}middle+{{ block.super }}{% endblock %}"
        "{% block foot %}middle foot{% endblock %}"
    ),
    "leaf.html": (
        '{% extends "middle.html" %}'
        "{% block body %}leaf {{ x }} ({{ block.super }}){% endblock %}"
        "{% block foot %}{{ block.super }}+leaf{% endblock %}"
    ),
    "child.html": '{% extends "root.html" %}{% block body %}child{% endblock %}',
    "by_variable.html": "{% extends parent %}{% block title %}v{% endblock %}",
}


def _engine(builtins: list[str]) -> Engine:
    loaders = [("django.template.loaders.locmem.Loader", TEMPLATES)]
    return Engine(
        loaders=[("django.template.loaders.cached.Loader", loaders)],
        builtins=builtins,
    )


def engines() -> tuple[Engine, Engine]:
    """This library's engine and Django's own, both caching templates."""
    return _engine(["rekisteri.core.templatetags.extends_kept"]), _engine([])


@pytest.mark.parametrize("name", ["leaf.html", "middle.html", "child.html"])
@pytest.mark.parametrize("x", ["", "1", "<b>"])
def test_renders_what_djangos_tag_renders(name, x):
    ours, django = engines()
    for _ in range(3):  # the kept list is used from the second render on
        got = ours.get_template(name).render(Context({"x": x}))
        assert got == django.get_template(name).render(Context({"x": x}))
    node = ours.get_template(name).nodelist[0]
    assert isinstance(node, extends_kept.KeptExtendsNode)


def test_a_parent_given_by_a_variable_or_as_a_template():
    ours, django = engines()
    for name in ("root.html", "middle.html"):
        for engine_parent, django_parent in (
            (name, name),
            (ours.get_template(name), django.get_template(name)),
        ):
            got = ours.get_template("by_variable.html").render(
                Context({"parent": engine_parent})
            )
            assert got == django.get_template("by_variable.html").render(
                Context({"parent": django_parent})
            )


def test_the_root_templates_blocks_are_listed_once(monkeypatch):
    ours, _ = engines()
    walks = []
    real = NodeList.get_nodes_by_type

    def counted(self, nodetype):
        walks.append(nodetype)
        return real(self, nodetype)

    monkeypatch.setattr(NodeList, "get_nodes_by_type", counted)
    child = ours.get_template("child.html")
    assert child.render(Context({"x": "1"})) == "<root|child|foot>"
    assert walks  # the first render lists them
    walks.clear()
    for _ in range(5):
        assert child.render(Context({"x": "1"})) == "<root|child|foot>"
    assert walks == []


def test_a_template_that_extends_lists_no_root_blocks():
    ours, _ = engines()
    middle = ours.get_template("middle.html")
    root = ours.get_template("root.html")
    assert extends_kept.root_blocks(middle) is None
    assert set(extends_kept.root_blocks(root)) == {"title", "body", "foot"}


def test_extends_twice_is_still_refused():
    ours, _ = engines()
    with pytest.raises(TemplateSyntaxError):
        ours.from_string('{% extends "root.html" %}{% extends "root.html" %}')


def test_the_settings_make_it_every_templates_extends():
    from django.template import engines as configured

    template = configured["django"].from_string('{% extends "base.html" %}')
    assert isinstance(template.template.nodelist[0], extends_kept.KeptExtendsNode)
