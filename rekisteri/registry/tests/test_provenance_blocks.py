"""The person page's provenance blocks escape every value they print."""

from __future__ import annotations

from django.utils import translation

from rekisteri.registry.templatetags.registry_tags import provenance_blocks


def test_every_value_is_escaped_and_a_missing_provenance_says_so():
    facts = {
        "source": "<i>Lähde</i>",
        "at": '2026-01-02T03:04:05+02:00"',
        "day": "2.1.2026",
        "batch": "A & B",
    }
    with translation.override("en"):
        html = provenance_blocks(
            [
                ("<script>x</script>", facts),
                ("Names", None),
                ("Plain", {**facts, "batch": ""}),
            ]
        )
    assert html.count('<div class="provenance">') == 3
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;i&gt;Lähde&lt;/i&gt;" in html and "A &amp; B" in html
    assert 'datetime="2026-01-02T03:04:05+02:00&quot;"' in html
    assert html.count("Import batch") == 1
    assert "Not recorded" in html
