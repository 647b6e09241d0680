"""``{% url %}`` (core/templatetags/url_kept.py) gives what Django's gives."""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, path, reverse

from rekisteri.core.templatetags import url_kept


def _view(request, **kwargs):  # pragma: no cover - never called
    raise AssertionError


urlpatterns = [
    path("a/<uuid:first>/b/<uuid:second>/", _view, name="two"),
    path("c/<str:text>/", _view, name="text"),
    path("d/<int:number>/", _view, name="number"),
]


def test_the_template_tag_is_this_library_s():
    node = Template("{% url 'registry:person_list' %}").nodelist[0]
    assert isinstance(node, url_kept.KeptURLNode)


def test_uuids_fill_the_kept_shape_as_reverse_would(settings):
    settings.ROOT_URLCONF = __name__
    for _ in range(3):
        a, b = uuid.uuid4(), uuid.uuid4()
        assert url_kept.reverse_kept("two", [], {"second": b, "first": a}, None) == (
            reverse("two", kwargs={"first": a, "second": b})
        )
        assert url_kept.reverse_kept("two", [a, b], {}, None) == reverse(
            "two", args=[a, b]
        )


def test_other_values_are_reversed_by_django_every_time(settings):
    settings.ROOT_URLCONF = __name__
    assert url_kept.reverse_kept("text", [], {"text": "ä b?"}, None) == reverse(
        "text", kwargs={"text": "ä b?"}
    )
    assert url_kept.reverse_kept("number", [], {"number": 7}, None) == "/d/7/"
    with pytest.raises(NoReverseMatch):
        url_kept.reverse_kept("number", [], {"number": -7}, None)
    # A UUID where the route wants a number: no shape, refused as Django does.
    with pytest.raises(NoReverseMatch):
        url_kept.reverse_kept("number", [], {"number": uuid.uuid4()}, None)


def test_the_tag_escapes_and_assigns_as_django_s_does():
    pk = uuid.uuid4()
    rendered = Template(
        "{% url 'registry:person_detail' person_id=pk %}|"
        "{% url 'no:such' pk as missing %}[{{ missing }}]"
        "{% url 'registry:person_detail' pk as there %}{{ there }}"
    ).render(Context({"pk": pk}))
    path_ = reverse("registry:person_detail", kwargs={"person_id": pk})
    assert rendered == f"{path_}|[]{path_}"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no:such' pk %}").render(Context({"pk": pk}))
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")
