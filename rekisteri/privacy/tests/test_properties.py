"""Property tests: the transfer rule, escaping and the digest."""

from __future__ import annotations

import string

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from rekisteri.privacy import notice
from rekisteri.privacy.eea import (
    ADEQUACY_DECISIONS,
    EEA,
    EU,
    is_eea,
    transfer_problem,
)
from rekisteri.privacy.facts import NoticeFacts
from rekisteri.privacy.services import digest_of

codes = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2)


def test_the_eea_is_the_eu_27_plus_three_and_aland():
    assert len(EU) == 27
    assert {"IS", "LI", "NO", "AX"} == EEA - EU


@given(codes, st.sampled_from(["none", "adequacy", "scc"]))
def test_transfer_rule(country, mechanism):
    # The texts are checked in English whatever an earlier test activated.
    with translation.override("en"):
        problem = transfer_problem(country, mechanism)
    decided = mechanism == "adequacy" and country in ADEQUACY_DECISIONS
    if is_eea(country) or mechanism == "scc" or decided:
        assert problem is None
    else:
        assert problem is not None and country in problem
        assert ("Chapter V" if mechanism == "none" else "Art. 45") in problem


@given(codes.filter(lambda c: c not in EEA))
def test_lowercase_codes_follow_the_same_rule(country):
    assert transfer_problem(country.lower(), "none") is not None


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80
)


OUR_TAGS = ("article", "section", "h1", "h2", "h3", "p", "ul", "li", "footer")
OUR_TAGS += ("br", "a")


@given(text, text)
def test_typed_text_never_becomes_markup(name, explanation):
    facts = NoticeFacts(
        controller={"name": name, "street": "s", "postal_code": "1", "city": "c"},
        contact={"name": name},
        texts={"en": {"register_name": explanation, "introduction": explanation}},
    )
    doc = notice.build(facts, "en")
    html = notice.to_html(doc)
    # Only our own tags: every "<" in the output starts a tag we wrote.
    stripped = html
    for tag in OUR_TAGS:
        stripped = stripped.replace(f"<{tag}", "").replace(f"</{tag}>", "")
    assert "<" not in stripped
    markdown = notice.to_markdown(doc)
    assert "<" not in markdown.replace("&lt;", "")


@given(st.dictionaries(st.sampled_from(["fi", "sv", "en"]), st.text(), min_size=1))
def test_digest_is_stable_and_order_independent(texts):
    reordered = dict(reversed(list(texts.items())))
    assert digest_of(texts) == digest_of(reordered)
    assert len(digest_of(texts)) == 64
