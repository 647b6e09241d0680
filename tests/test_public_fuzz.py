"""Hostile requests to the public, unauthenticated pages, from outside the
staff network: the privacy notice and its downloads, the rights-request
portal, its confirmation and the one-time export download.

Every answer must be below 500, free of tracebacks and settings, and must
not echo what was sent unescaped. A refused submission creates no draft or
case, sends no mail and writes no audit event; an accepted one sends one
code to the one normalised address with no injected header. Known and
unknown addresses get the same answer. Rate limits answer 429. Run on
SQLite and PostgreSQL (PostgreSQL refuses NUL in text where SQLite keeps it).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, quote_from_bytes

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rekisteri.audit.models import AuditEvent
from rekisteri.core import formats
from rekisteri.dsr import services
from rekisteri.dsr.models import ExportFile, PortalDraft, RequestCase
from rekisteri.dsr.portal_texts import PORTAL_TEXTS
from rekisteri.dsr.services.codes import secret_hash
from rekisteri.privacy import services as privacy
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.7"
STAFF_NET = ("10.0.0.0/8",)
KNOWN = "tiina.tunnettu@example.fi"
UNKNOWN = "outi.outo@example.fi"

PORTALS = {
    "fi": "/tietosuoja/pyynto/",
    "sv": "/dataskydd/begaran/",
    "en": "/privacy/request/",
}
CONFIRM = {
    "fi": "/tietosuoja/pyynto/vahvista/",
    "sv": "/dataskydd/begaran/bekrafta/",
    "en": "/privacy/request/confirm/",
}
DOWNLOAD = {
    "fi": "/tietosuoja/pyynto/lataa/{}/",
    "sv": "/dataskydd/begaran/ladda-ned/{}/",
    "en": "/privacy/request/download/{}/",
}
NOTICES = (
    "/tietosuoja/",
    "/dataskydd/",
    "/privacy/",
    "/tietosuoja/tietosuojaseloste.md",
    "/tietosuoja/tietosuojaseloste.html",
    "/dataskydd/dataskyddsbeskrivning.md",
    "/dataskydd/dataskyddsbeskrivning.html",
    "/privacy/privacy-notice.md",
    "/privacy/privacy-notice.html",
)

SCRIPT = "<script>alert('rk-xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_MARKERS = (b"<script>alert('rk-xss')", b"<img src=x onerror")
LEAKS = (b"Traceback", b"INSTALLED_APPS", b"settings.py", b'File "/', b"DATABASES")

# Hostile text for any field (None: the field is left out).
HOSTILE = [
    None,
    "",
    " ",
    "x" * 100_000,
    "a\x00b",
    "\x00",
    "a@example.fi\r\nBcc: x@evil.test",
    "a@example.fi\nSubject: hacked",
    "Matti\r\nBcc: x@evil.test",
    "a@example.fi%0d%0aBcc:x@evil.test",
    SCRIPT,
    IMG,
    SCRIPT + "@example.fi",
    "١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "१२३४५६७८",  # Devanagari digits
    "ｔｉｉｎａ@example.fi",  # fullwidth
    "tііna.tunnettu@example.fi",  # Cyrillic і
    "tiina.tunnettu@exаmple.fi",  # Cyrillic а
    "\u202etiina@example.fi",  # right-to-left override
    "a" * 64 + "@" + "b" * 250 + ".fi",
    "{{ settings.SECRET_KEY }}",
    "%(code)s {code} {0}",
    "' OR 1=1 --",
    "../../etc/passwd",
]


@pytest.fixture(autouse=True)
def _world():
    cache.clear()
    privacy.profile_load_seed(actor=None)
    privacy.notice_publish(actor=None)
    make_person(first_name="Tiina", last_name="Tunnettu", emails=[KNOWN])
    mail.outbox.clear()
    with override_settings(REKISTERI_STAFF_NETWORKS=STAFF_NET):
        yield
    cache.clear()


def outsider(**kwargs) -> Client:
    return Client(REMOTE_ADDR=OUTSIDE, **kwargs)


def _state() -> tuple[int, int, int, int]:
    """Drafts, cases, audit events (bar the CSRF refusal the CSRF failure
    view records), mails sent."""
    return (
        PortalDraft.objects.count(),
        RequestCase.objects.count(),
        AuditEvent.objects.exclude(action="access.csrf_failed").count(),
        len(mail.outbox),
    )


def _check(response) -> bytes:
    """Below 500, no leak, nothing hostile echoed raw."""
    assert response.status_code < 500, response.status_code
    body = b"".join(response) if response.streaming else response.content
    assert settings.SECRET_KEY.encode() not in body
    for leak in LEAKS:
        assert leak not in body, leak
    for marker in RAW_MARKERS:
        assert marker not in body, marker
    return body


def _check_mail(sent, address: str) -> None:
    """One code to the one address (its domain in IDNA's ASCII form, as
    mail is sent: core.formats.ascii_email); no header that came from the
    visitor."""
    assert sent.to == [formats.ascii_email(address)]
    assert not sent.cc and not sent.bcc
    assert not sent.extra_headers
    assert "\r" not in sent.subject and "\n" not in sent.subject
    message = sent.message()
    for name in ("To", "Subject", "From"):
        assert "evil.test" not in str(message[name])
    assert "Bcc" not in message and "Cc" not in message


def _encode(fields: dict) -> bytes:
    """A form body; str values UTF-8, bytes values sent as they are."""
    pairs = []
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            raw = value if isinstance(value, bytes) else value.encode()
            pairs.append(quote(key) + "=" + quote_from_bytes(raw))
    return "&".join(pairs).encode()


def _post_form(client: Client, url: str, fields: dict):
    return client.post(
        url, _encode(fields), content_type="application/x-www-form-urlencoded"
    )


def _portal_post(client, lang, fields):
    """Post to the portal; check the effects whichever way it went."""
    cache.clear()
    before = _state()
    response = _post_form(client, PORTALS[lang], fields)
    body = _check(response)
    after = _state()
    if response.status_code == 200:
        # Accepted: one draft, one mail, one audit event, no case.
        assert after[0] == before[0] + 1
        assert after[1] == before[1]
        assert after[2] == before[2] + 1
        assert after[3] == before[3] + 1
        draft = PortalDraft.objects.order_by("-created_at").first()
        _check_mail(mail.outbox[-1], draft.email)
        assert "\r" not in draft.email and "\n" not in draft.email
        assert "\x00" not in (draft.details or "")
        assert "\ufffd" not in (draft.details or "")
    else:
        assert response.status_code in (400, 403, 429), response.status_code
        assert after == before
    return response, body


VALID = {"kinds": "access", "email": UNKNOWN, "details": "Kaikki tiedot"}


@pytest.mark.parametrize("field", ["kinds", "email", "details"])
def test_portal_hostile_value_in_each_field(field):
    client = outsider()
    for i, value in enumerate(HOSTILE):
        lang = ("fi", "sv", "en")[i % 3]
        fields = dict(VALID)
        if value is None:
            fields.pop(field)
        else:
            fields[field] = value
        _portal_post(client, lang, fields)


def test_portal_unreadable_text_is_refused():
    """A lone surrogate (``%ED%A0%80``) or Latin-1 bytes are decoded by
    Django as U+FFFD: refused as damaged text, not stored as mojibake."""
    client = outsider()
    for field in ("email", "details"):
        for raw in (b"\xed\xa0\x80", b"M\xe4kel\xe4", b"abc\xff"):
            fields = dict(VALID)
            fields[field] = raw
            response, _ = _portal_post(client, "fi", fields)
            assert response.status_code == 400
    # The same bytes in multipart.
    for raw in (b"\xed\xa0\x80", b"\xe4"):
        before = _state()
        boundary = "rkbound"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="kinds"\r\n\r\n'
                f"access\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="email"\r\n\r\n{UNKNOWN}\r\n'
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="details"\r\n\r\n'
            ).encode()
            + raw
            + f"\r\n--{boundary}--\r\n".encode()
        )
        cache.clear()
        response = outsider().post(
            PORTALS["en"],
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        _check(response)
        assert response.status_code == 400
        assert _state() == before


def test_portal_many_values_files_and_content_types():
    client = outsider()
    # A thousand values for one field.
    _portal_post(client, "fi", {**VALID, "kinds": ["access"] * 1000})
    _portal_post(client, "fi", {**VALID, "kinds": [f"k{i}" for i in range(1000)]})
    _portal_post(client, "sv", {**VALID, "email": [UNKNOWN] * 1000})
    _portal_post(client, "en", {**VALID, "details": ["x"] * 1000})
    # 900 parameters (under the field limit), and more than the limit.
    extra = {f"p{i}": "1" for i in range(900)}
    _portal_post(client, "fi", {**VALID, **extra})
    before = _state()
    many = {f"p{i}": "1" for i in range(2500)}
    response = _post_form(client, PORTALS["fi"], {**VALID, **many})
    _check(response)
    assert response.status_code == 400
    assert _state() == before
    # A file where none is expected.
    from django.core.files.uploadedfile import SimpleUploadedFile

    cache.clear()
    before = _state()
    response = client.post(
        PORTALS["en"],
        {
            "kinds": "access",
            "email": UNKNOWN,
            "details": SimpleUploadedFile("x.html", SCRIPT.encode(), "text/html"),
        },
    )
    _check(response)
    # Wrong content types: nothing is read as the form.
    for content_type, payload in (
        ("application/json", b'{"kinds": ["access"], "email": "a@example.fi"}'),
        ("text/plain", b"kinds=access&email=a@example.fi"),
        ("application/xml", b"<kinds>access</kinds>"),
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=", b"----\r\n"),
        ("application/x-www-form-urlencoded; charset=nonsense", b"email=a"),
        ("application/x-www-form-urlencoded; charset=utf-16", b"\xff\xfek\x00"),
        ("application/x-www-form-urlencoded; charset=utf-7", b"email=+ADw-x"),
    ):
        cache.clear()
        before = _state()
        response = client.generic(
            "POST", PORTALS["sv"], payload, content_type=content_type
        )
        _check(response)
        assert response.status_code in (400, 403)
        assert _state() == before


def test_portal_csrf_missing_or_wrong():
    strict = outsider(enforce_csrf_checks=True)
    page = strict.get(PORTALS["fi"])
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)[1]
    for extra in ({}, {"csrfmiddlewaretoken": "x" * 64}, {"csrfmiddlewaretoken": ""}):
        for url in (PORTALS["fi"], CONFIRM["en"], DOWNLOAD["sv"].format("abc")):
            before = _state()
            response = _post_form(strict, url, {**VALID, **extra})
            _check(response)
            assert response.status_code == 403
            assert _state() == before
    # Another client's token without its cookie.
    other = outsider(enforce_csrf_checks=True)
    response = _post_form(
        other, PORTALS["fi"], {**VALID, "csrfmiddlewaretoken": token.decode()}
    )
    assert response.status_code == 403
    assert not PortalDraft.objects.exists()


def _body_shape(response) -> tuple[int, int]:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="draft" value="[^"]+"', "", html)
    # The language switch's "next" is the page's own path (the visitor's
    # own token), so its length is the token's.
    html = re.sub(r'name="next" value="[^"]+"', "", html)
    return response.status_code, len(html) // 64


@pytest.mark.parametrize(
    "shape",
    [
        "{}",
        "{}".upper(),
        "  {}  ",
        "{}\r\n",
        "{}\r\nBcc: x@evil.test",
        "mailto:{}",
    ],
)
def test_known_and_unknown_get_the_same_answer(shape):
    answers = {}
    for address in (KNOWN, UNKNOWN):
        cache.clear()
        client = outsider()
        response = _post_form(
            client, PORTALS["fi"], {**VALID, "email": shape.format(address)}
        )
        _check(response)
        answers[address] = _body_shape(response)
        if response.status_code == 200:
            draft = PortalDraft.objects.order_by("-created_at").first()
            wrong = _post_form(
                client, CONFIRM["fi"], {"draft": str(draft.pk), "code": "00000000"}
            )
            answers[address] += _body_shape(wrong)
    assert answers[KNOWN] == answers[UNKNOWN]
    assert not RequestCase.objects.exists()


@override_settings(
    REKISTERI_DSR_PER_ADDRESS=2,
    REKISTERI_DSR_PER_ADDRESS_TOTAL=2,
    REKISTERI_DSR_PER_CLIENT=4,
)
def test_rate_limits_hold():
    cache.clear()
    # Per address, whatever the spelling, from rotating clients and with a
    # forged X-Forwarded-For (no trusted proxy: it is not believed).
    statuses = []
    for i, spelling in enumerate((KNOWN, KNOWN.upper(), f" {KNOWN} ", KNOWN)):
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        response = _post_form(client, PORTALS["en"], {**VALID, "email": spelling})
        _check(response)
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429, 429]
    # Per client, with the forwarded address changing every time.
    cache.clear()
    statuses = []
    for i in range(7):
        client = outsider(HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        response = _post_form(
            client, PORTALS["sv"], {**VALID, "email": f"u{i}@example.fi"}
        )
        _check(response)
        statuses.append(response.status_code)
    assert statuses == [200] * 4 + [429] * 3
    assert PortalDraft.objects.count() == 6
    assert len(mail.outbox) == 6
    assert AuditEvent.objects.filter(action="dsr.portal_submit").count() == 6
    # The same answer at the limit for a known and an unknown address.
    cache.clear()
    shapes = {}
    for address in (KNOWN, UNKNOWN):
        for _ in range(3):
            response = _post_form(
                Client(REMOTE_ADDR="198.51.100.200"),
                PORTALS["fi"],
                {**VALID, "email": address},
            )
        shapes[address] = _body_shape(response)
        cache.clear()
    assert shapes[KNOWN] == shapes[UNKNOWN]
    assert shapes[KNOWN][0] == 429


def _draft(client, lang="fi", address=UNKNOWN):
    cache.clear()
    _post_form(client, PORTALS[lang], {**VALID, "email": address})
    draft = PortalDraft.objects.order_by("-created_at").first()
    code = re.search(r"\b\d{8}\b", mail.outbox[-1].body)[0]
    return draft, code


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_confirm_hostile_draft_and_code(lang):
    client = outsider()
    draft, code = _draft(client, lang)
    other_digits = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    draft_values = [
        *HOSTILE,
        str(draft.pk).upper(),
        "{" + str(draft.pk) + "}",
        str(draft.pk).replace("-", ""),
        str(draft.pk)[:-1] + "٠",
    ]
    for field in ("draft", "code"):
        for value in draft_values if field == "draft" else [*HOSTILE, other_digits]:
            fields = {"draft": str(draft.pk), "code": "99999999"}
            if field == "code":
                fields["code"] = value
            if value is None:
                fields.pop(field)
            elif field == "draft":
                fields["draft"] = value
            before = _state()
            response = _post_form(client, CONFIRM[lang], fields)
            _check(response)
            if response.status_code == 200:
                # Only the right code for a form of the right draft.
                assert field == "draft"
                assert RequestCase.objects.count() == before[1] + 1
                draft, code = _draft(client, lang)
                continue
            assert response.status_code == 400
            after = _state()
            assert after[1:] == before[1:]
    # Five wrong codes use the draft up; the right code then fails too.
    draft, code = _draft(client, lang)
    for _ in range(5):
        _post_form(client, CONFIRM[lang], {"draft": str(draft.pk), "code": "1"})
    response = _post_form(client, CONFIRM[lang], {"draft": str(draft.pk), "code": code})
    assert response.status_code == 400
    assert not RequestCase.objects.exists() or RequestCase.objects.count() <= 4
    # A GET of the confirmation is not allowed, and not a 500.
    assert outsider().get(CONFIRM[lang]).status_code == 405


def _export(*, expired=False, used=False):
    case = services.case_create(
        actor=None, kinds=["access"], channel="letter", requester_email=UNKNOWN
    ).case
    token = f"tok{ExportFile.objects.count()}-" + "A" * 30
    ExportFile.objects.create(
        case=case,
        token_hash=secret_hash("download", token),
        code_hash=secret_hash("download_code", "12345678"),
        filename="export.json",
        content_type="application/json",
        content=None if used else b"PERSON DATA",
        size=11,
        expires_at=timezone.now() + dt.timedelta(days=-1 if expired else 7),
        deleted_at=timezone.now() if used else None,
    )
    return token


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_download_hostile_tokens(lang):
    live = _export()
    expired = _export(expired=True)
    used = _export(used=True)
    draft, _code = _draft(outsider(), lang)
    mail.outbox.clear()
    tokens = [
        "not-a-token",
        "A" * 10_000,
        "..%2F..%2Fsettings",
        "%2e%2e",
        "%00",
        "a%00b",
        "%ED%A0%80",
        "%E4",
        quote(SCRIPT, safe=""),
        quote(IMG, safe=""),
        str(draft.pk),  # a token of another kind
        live.lower(),
        live + "x",
        expired,
        used,
    ]
    client = outsider()
    for token in tokens:
        url = DOWNLOAD[lang].format(token)
        _check(client.get(url))
        _check(client.get(url + "?code=12345678&token=" + quote(SCRIPT)))
        for code in ("12345678", "", "x" * 100_000, "\x00", "١٢٣٤٥٦٧٨"):
            before = _state()
            response = _post_form(client, url, {"code": code})
            body = _check(response)
            assert response.status_code in (403, 404), (token, response.status_code)
            assert b"PERSON DATA" not in body
            after = _state()
            assert after[3] == before[3]
    # The live one still works once, with the right code in ASCII digits.
    url = DOWNLOAD[lang].format(live)
    response = _post_form(client, url, {"code": "١٢٣٤٥٦٧٨"})
    assert response.status_code == 403
    response = _post_form(client, url, {"code": "12345678"})
    assert response.status_code == 200
    assert response.content == b"PERSON DATA"
    assert _post_form(client, url, {"code": "12345678"}).status_code == 403


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_download_page_does_not_repeat_its_token(lang):
    live = _export()
    url = DOWNLOAD[lang].format(live)
    for response in (
        outsider().get(url),
        _post_form(outsider(), url, {"code": "00000000"}),
    ):
        assert live.encode() not in response.content
        assert live.lower().encode() not in response.content.lower()


def test_download_pages_answer_alike_for_every_refusal():
    live = _export()
    expired = _export(expired=True)
    used = _export(used=True)
    client = outsider()
    shapes = set()
    for token in ("unknown-token", expired, used, live):
        code = "00000000"
        response = _post_form(client, DOWNLOAD["en"].format(token), {"code": code})
        shapes.add(_body_shape(response))
    assert len(shapes) == 1


HOSTILE_QUERIES = [
    "?q=" + quote(SCRIPT),
    "?" + quote(IMG),
    "?lang=xx&lang=fi&language=" + "a" * 10_000,
    "?" + "&".join(f"p{i}=1" for i in range(900)),
    "?" + "&".join(f"p{i}=1" for i in range(2500)),
    "?%ED%A0%80=%ED%A0%80",
    "?a=%00",
    "?next=//evil.test/",
    "?format=json&download=../../settings.py",
]
HOSTILE_LANGUAGES = [
    "x" * 10_000,
    "fi;q=NaN",
    "*;q=1e999",
    "en-US,en;q=0.9," * 500,
    "\x00",
    "sv-FI;q=-1, zz",
    "<script>",
    "",
]


@pytest.mark.parametrize("path", NOTICES)
def test_notice_pages_hostile_queries_and_languages(path):
    client = outsider()
    baseline = client.get(path)
    assert baseline.status_code == 200
    for query in HOSTILE_QUERIES:
        response = client.get(path + query)
        _check(response)
        assert response.status_code == 200
    for header in HOSTILE_LANGUAGES:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=header)
        _check(response)
        assert response.status_code == 200
    for cookie in ("xx", SCRIPT, "a" * 5000, "fi\x00"):
        client.cookies["django_language"] = cookie
        _check(client.get(path))
    before = _state()
    for method in ("post", "put", "delete", "patch"):
        response = getattr(outsider(), method)(path, {"q": SCRIPT})
        _check(response)
    assert _state()[:2] == before[:2]


def test_portal_get_pages_with_hostile_queries():
    client = outsider()
    for url in (*PORTALS.values(),):
        for query in HOSTILE_QUERIES:
            response = client.get(url + query)
            _check(response)
            assert response.status_code == 200
        for header in HOSTILE_LANGUAGES:
            _check(client.get(url, HTTP_ACCEPT_LANGUAGE=header))
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)(PORTALS["fi"]).status_code == 405


def test_staff_pages_stay_closed_and_public_pages_open():
    client = outsider()
    for path in (*NOTICES, *PORTALS.values()):
        assert client.get(path).status_code == 200, path
    for path in (
        "/privacy-office/",
        "/privacy-office/requests/",
        "/privacy-office/requests/new/",
        "/api/",
        "/",
        "//privacy-office/",
        "/privacy-office/requests/%2e%2e/",
    ):
        response = client.get(path)
        _check(response)
        assert response.status_code == 403, path
    # Paths under a public prefix that climb out reach no staff page.
    for path in (
        "/tietosuoja/../privacy-office/requests/",
        "/privacy/%2e%2e/privacy-office/",
        "/dataskydd/..%2Fprivacy-office/",
        "/privacy/request/../../privacy-office/requests/",
    ):
        response = client.get(path)
        _check(response)
        assert response.status_code in (403, 404), path
    # A forged X-Forwarded-For from inside the staff network is not believed.
    forged = outsider(HTTP_X_FORWARDED_FOR="10.0.0.5")
    assert forged.get("/privacy-office/requests/").status_code == 403


TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), max_codepoint=0x10FFFF), max_size=300
)


@hsettings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kinds=st.lists(
        st.one_of(st.sampled_from(["access", "erasure", "objection"]), TEXT),
        max_size=4,
    ),
    email=st.one_of(st.emails(), TEXT, st.just(KNOWN)),
    details=TEXT,
    lang=st.sampled_from(["fi", "sv", "en"]),
)
def test_portal_random_input(kinds, email, details, lang):
    fields = {"kinds": kinds, "email": email, "details": details}
    _portal_post(outsider(), lang, fields)


@hsettings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(draft=st.one_of(st.uuids().map(str), TEXT), code=TEXT, token=TEXT.filter(bool))
def test_confirm_and_download_random_input(draft, code, token):
    client = outsider()
    before = _state()
    response = _post_form(client, CONFIRM["en"], {"draft": draft, "code": code})
    _check(response)
    assert response.status_code == 400
    url = DOWNLOAD["fi"].format(quote(token, safe=""))
    response = _post_form(client, url, {"code": code})
    _check(response)
    assert response.status_code in (403, 404)
    assert _state()[1:] == before[1:]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_portal_says_why_unreadable_text_is_refused(lang):
    response = _post_form(outsider(), PORTALS[lang], {**VALID, "details": b"M\xe4ki"})
    assert response.status_code == 400
    message = PORTAL_TEXTS[lang]["errors"]["invalid_encoding"]
    assert message in response.content.decode()
    assert not PortalDraft.objects.exists()
