"""The Art. 13/14 completeness check, on the seed's facts and on the system's."""

from __future__ import annotations

import pytest
from django.utils import translation

from rekisteri.core.errors import ValidationFailed
from rekisteri.privacy import completeness, services
from rekisteri.privacy.facts import seed_facts, system_facts
from rekisteri.privacy.recipients import (
    ExternalRecipient,
    register_provider,
    unregister_provider,
)


def test_the_check_names_what_the_seed_notice_leaves_out():
    report = completeness.check(seed_facts())
    missing = {r.id for r in report.missing}
    # The seed says only that people "have rights under the GDPR"; it never
    # names a right, the complaint to the Ombudsman, whether the data must be
    # given, or automated decisions.
    assert missing == {
        "right_access",
        "right_rectification",
        "right_erasure",
        "right_restriction",
        "right_objection",
        "right_portability",
        "complaint",
        "provision_requirement",
        "automated_decisions",
    }
    assert not report.publishable
    by_id = {r.id: r for r in report.results}
    # What the seed does say is recognised.
    for item in ("controller", "contact", "purposes", "recipients", "transfers"):
        assert by_id[item].status == completeness.OK
    assert by_id["retention"].status == completeness.OK
    assert by_id["sources"].status == completeness.OK  # Asiakastieto, Fonecta
    assert by_id["dpo"].status == completeness.NOT_APPLICABLE
    assert by_id["withdraw_consent"].status == completeness.NOT_APPLICABLE


def test_every_lettered_item_is_checked():
    articles = " ".join(i.article for i in completeness.ITEMS)
    for ref in (
        "13(1)(a)", "13(1)(b)", "13(1)(c)", "13(1)(d)", "13(1)(e)", "13(1)(f)",
        "13(2)(a)", "13(2)(b)", "13(2)(c)", "13(2)(d)", "13(2)(e)", "13(2)(f)",
        "14(1)(d)", "14(2)(f)",
    ):  # fmt: skip
        assert ref in articles, ref


@pytest.mark.django_db
def test_the_shipped_profile_passes_the_check():
    services.profile_load_seed(actor=None)
    report = completeness.check(system_facts())
    assert report.publishable, [r.id for r in report.missing]


@pytest.mark.django_db
def test_a_missing_text_in_one_language_is_named():
    services.profile_load_seed(actor=None)
    from rekisteri.privacy.fixtures import SEED_TEXTS

    texts = dict(SEED_TEXTS["sv"])
    texts.pop("automated_decisions")
    services.profile_texts_update(actor=None, language="sv", texts=texts)
    report = completeness.check(system_facts())
    (missing,) = report.missing
    assert missing.id == "automated_decisions"
    assert "sv" in missing.detail


@pytest.mark.django_db
def test_publishing_is_blocked_until_the_item_is_given_or_waived():
    services.profile_load_seed(actor=None)
    from rekisteri.privacy.fixtures import SEED_TEXTS

    texts = dict(SEED_TEXTS["fi"])
    texts.pop("provision_requirement")
    services.profile_texts_update(actor=None, language="fi", texts=texts)
    with pytest.raises(ValidationFailed) as exc, translation.override("en"):
        services.notice_publish(actor=None)
    assert exc.value.fields["notice"][0][0] == "notice_incomplete"
    assert "statutory or contractual" in exc.value.fields["notice"][0][1]

    services.notice_item_waive(
        actor=None,
        item="provision_requirement",
        reason="Stated in the Swedish and English texts; Finnish follows.",
    )
    version = services.notice_publish(actor=None)
    assert version.waivers == {
        "provision_requirement": (
            "Stated in the Swedish and English texts; Finnish follows."
        )
    }
    statuses = {r["id"]: r["status"] for r in version.report}
    assert statuses["provision_requirement"] == completeness.WAIVED


@pytest.mark.django_db
def test_an_unknown_item_cannot_be_waived():
    services.profile_load_seed(actor=None)
    with pytest.raises(ValidationFailed):
        services.notice_item_waive(actor=None, item="nonsense", reason="x")


@pytest.mark.django_db
def test_a_contributed_non_eea_recipient_without_mechanism_blocks_transfers():
    services.profile_load_seed(actor=None)
    register_provider(
        "test.agency",
        lambda: [
            ExternalRecipient(
                name="Collect Inc",
                role="recipient",
                service="Debt collection",
                country="US",
                categories=("user.name",),
            )
        ],
    )
    try:
        report = completeness.check(system_facts())
    finally:
        unregister_provider("test.agency")
    (missing,) = report.missing
    assert missing.id == "transfers"
    assert "Collect Inc (US)" in missing.detail


@pytest.mark.django_db
def test_legitimate_interest_needs_its_explanation():
    services.profile_load_seed(actor=None)
    facts = system_facts()
    facts.purposes.append(
        {"purpose": "marketing", "bases": ["legitimate_interest"], "categories": []}
    )
    by_id = {r.id: r for r in completeness.check(facts).results}
    assert by_id["legitimate_interests"].status == completeness.MISSING
    for lang in ("fi", "sv", "en"):
        facts.texts[lang]["legitimate_interests"] = "Direct B2B marketing."
    by_id = {r.id: r for r in completeness.check(facts).results}
    assert by_id["legitimate_interests"].status == completeness.OK
