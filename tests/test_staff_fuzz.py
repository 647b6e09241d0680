"""Hostile requests to the staff HTML UI, from a staff member who may use each
route: path ids that are not ids, query strings that overflow or repeat, and
every form of the UI posted with its fields gone wrong one at a time.

The routes come from the permission kit (``rekisteri/testing/permissions.py``):
its URL walk, its world of real objects and, per route, a role that holds the
route's permission. The API and the public pages have their own files
(``tests/test_api_fuzz.py``, ``tests/test_public_fuzz.py``). The forms are
read from the HTML of the pages that show them, as the route's role, the
privacy officer and a newcomer who has not signed the undertaking see them,
so a field is fuzzed as soon as a template renders it.

Every answer must be below 500 and free of tracebacks, and an HTML answer
must not carry the script sent unescaped. A refusal (status 400 or more, a
form shown again with errors, a redirect with an error message) writes
nothing: no row in the project's tables and no audit event but reads and
refusals. The audit chain verifies after every route. The world is built
once for the module and every route's test is rolled back. PostgreSQL refuses
NUL in text where SQLite keeps it, so run this file on both (docs/security.md,
Input at the boundary).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, quote_from_bytes, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.db import connection, connections, router, transaction
from django.forms import BaseForm, BaseFormSet
from django.http import QueryDict
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.datastructures import MultiValueDict

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import LoginThrottle
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.choices import Outcome
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.verify import verify_chain
from rekisteri.registry.models import Organization
from rekisteri.testing import client_as, make_staff
from rekisteri.testing.permissions import (
    _PARAM,
    ROLE_ORDER,
    Expect,
    Kit,
    Route,
    kit_site_routes,
    tables,
)

pytestmark = pytest.mark.django_db

MARK = "Qx7zv"
SCRIPT = f'<script>alert("{MARK}")</script>'
RAW_SCRIPT = f'<script>alert("{MARK}")'.encode()
TODAY = dt.date.today().isoformat()

# --------------------------------------------------------------------------
# The routes: the kit's staff pages, without the API and the public pages
# --------------------------------------------------------------------------

STAFF: dict[str, Route] = {
    name: route
    for name, route in kit_site_routes().items()
    if route.required_perm is not Perm.PUBLIC and not route.route.startswith("api")
}


def test_the_kit_lists_the_staff_routes_this_file_fuzzes():
    assert len(STAFF) >= 100
    assert "registry:person_edit" in STAFF and "accounts:staff_role" in STAFF
    assert "dsr:portal_fi" not in STAFF and "accounts:login" not in STAFF
    assert set(STAFF) <= set(tables().site)


# --------------------------------------------------------------------------
# Forms, read from the HTML
# --------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # an input's type, or "select", "textarea", "button"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    def names(self) -> list[str]:
        """The fields a person fills in (the CSRF token is the browser's)."""
        return list(dict.fromkeys(f.name for f in self.fields if f.name not in OWN))

    def signature(self) -> tuple:
        return (
            urlsplit(self.action).path,
            tuple(
                (f.name, f.value if f.kind == "hidden" else "")
                for f in self.fields
                if f.name not in OWN
            ),
        )


# Posted by the form machinery, not typed: the test client checks no CSRF.
OWN = {"csrfmiddlewaretoken"}


class FormParser(HTMLParser):
    """The forms of a page: inputs, selects with their options, textareas
    and named submit buttons, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Field | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(
                method=(a.get("method") or "get").lower(),
                action=a.get("action", ""),
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None or not (name or tag == "option"):
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                kind = "button"
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.fields.append(
                Field(name, kind, a.get("value", default), "checked" in a, attrs=a)
            )
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.append(Field(name, "button", a.get("value", "")))
        elif tag == "select":
            self._select = Field(name, "select", multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            self._end_option()
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""
        elif tag == "textarea":
            self._textarea = Field(name, "textarea")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if selected:
                self._select.selected.append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            if self._form is not None:
                self._form.fields.append(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                # The newline right after <textarea> is not part of the value.
                self._textarea.value = self._textarea.value.removeprefix("\n")
                self._form.fields.append(self._textarea)
            self._textarea = None
        elif tag == "form":
            self._form = None


def read_page(response: Any) -> FormParser:
    """The forms and links of an HTML page (none for anything else)."""
    parser = FormParser()
    html = response.get("Content-Type", "").startswith("text/html")
    if response.status_code == 200 and not response.streaming and html:
        parser.feed(response.content.decode())
        parser.close()
    return parser


def forms_of(response: Any) -> list[Form]:
    return read_page(response).forms


@contextlib.contextmanager
def query_reads() -> Iterator[list[str]]:
    """The names a view looks up in a query string (``request.GET``), as it
    looks them up, while the block runs."""
    names: list[str] = []
    methods = {m: MultiValueDict.__dict__[m] for m in ("get", "getlist", "__getitem__")}

    def recording(method: Any) -> Any:
        def look_up(self: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
            request_query = isinstance(self, QueryDict) and not self._mutable
            if request_query and isinstance(key, str) and key not in names:
                names.append(key)
            return method(self, key, *args, **kwargs)

        return look_up

    for name, method in methods.items():
        setattr(MultiValueDict, name, recording(method))
    MultiValueDict.__contains__ = recording(dict.__contains__)
    try:
        yield names
    finally:
        for name, method in methods.items():
            setattr(MultiValueDict, name, method)
        del MultiValueDict.__contains__


def query_read(url: str, page: FormParser) -> dict[str, str]:
    """The query parameters a page reads, by its GET forms and its links to
    itself (filters, next pages), each with a value the page gave it."""
    path = urlsplit(url).path
    found: dict[str, str] = {}
    for form in page.forms:
        if form.method == "get" and urlsplit(urljoin(url, form.action)).path == path:
            for name, value in valid_pairs(form):
                found.setdefault(name, value if isinstance(value, str) else "")
    for href in page.links:
        link = urlsplit(urljoin(url, href))
        if link.path == path:
            for name, value in parse_qsl(link.query, keep_blank_values=True):
                found.setdefault(name, value)
    return found


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def test_the_form_parser_reads_what_a_browser_would_send():
    html = (
        '<form method="post" action="/x/" enctype="multipart/form-data">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<input name="a" value="1"><input type="checkbox" name="b" value="y">'
        '<input type="checkbox" name="c" value="z" checked>'
        '<select name="d"><option value="">-</option><option>two</option>'
        '<option value="3" selected>three</option></select>'
        '<select name="e" multiple><option value="p">p</option></select>'
        "<textarea name=f>\nline</textarea>"
        '<input type="radio" name="g" value="r1">'
        '<input type="radio" name="g" value="r2">'
        '<input type="file" name="h"><button name="op" value="go">Go</button>'
        '</form><form><input name="q"></form>'
    )
    parser = FormParser()
    parser.feed(html)
    post, get = parser.forms
    assert (post.method, post.action, post.multipart) == ("post", "/x/", True)
    assert get.method == "get" and get.names() == ["q"]
    assert post.names() == ["a", "b", "c", "d", "e", "f", "g", "h", "op"]
    select = next(f for f in post.fields if f.name == "d")
    assert select.options == ["", "two", "3"] and select.selected == ["3"]
    assert valid_pairs(post) == [
        ("csrfmiddlewaretoken", "t"),
        ("a", "1"),
        ("b", "y"),
        ("c", "z"),
        ("d", "3"),
        ("e", "p"),
        ("f", "line"),
        ("g", "r1"),
        ("h", ("fuzz.txt", b"Qx7zv file")),
        ("op", "go"),
    ]


# Values for fields that name something in the world (filled by the module's
# fixture: the world organization's customer number) or take one format.
HINTS: dict[str, str] = {
    "amount": "10",
    "quantity": "1",
    "unit_price": "10",
    "unit": "kpl",
    "reference": "1232",
    "case_ref": "FUZZ-1",
}
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _hint(f: Field) -> str:
    """A value the field should accept, for a field the page leaves empty.
    Optional dates and hidden fields stay empty: a date given where none is
    asked for can contradict another field."""
    name = f.name.lower()
    short = name.rsplit("-", 1)[-1]  # a formset's "lines-0-quantity"
    required = "required" in f.attrs
    if short in HINTS:
        return HINTS[short]
    if f.kind == "hidden":
        return ""
    if f.kind == "email" or "email" in name:
        return f"{MARK.lower()}.fuzz@example.fi"
    if f.kind == "datetime-local" or name.endswith("_at"):
        return f"{YESTERDAY}T10:00" if required or "received" in name else ""
    if f.kind == "date" or name.endswith(("_on", "date", "_from", "_until")):
        return TODAY if required or short == "start_date" else ""
    if f.kind == "number":
        return f.attrs.get("min") or "1"
    if f.kind == "tel" or "phone" in name:
        return "+358401234567"
    if "postal_code" in name:
        return "00100"
    if "country" in name:
        return "FI"
    if f.kind == "url":
        return "https://example.fi/"
    if f.kind == "password":
        return f"{MARK}-long-enough-passphrase-1"
    if any(part in name for part in ("business_id", "vat", "iban", "bic")):
        return ""
    return f"{MARK} fuzz"


def valid_pairs(form: Form) -> list[tuple[str, Any]]:
    """The form as a browser would post it with every box ticked and each
    field the page leaves empty given a value it should accept; a file as
    (filename, bytes)."""
    pairs: list[tuple[str, Any]] = []
    done: set[str] = set()
    for f in form.fields:
        if f.kind in ("button", "radio") and f.name in done:
            continue
        if f.kind == "button":
            pairs.append((f.name, f.value))
        elif f.kind == "radio":
            group = [r for r in form.fields if r.name == f.name]
            pairs.append((f.name, next((r for r in group if r.checked), f).value))
        elif f.kind == "checkbox":
            # Ticked: a box often confirms the step (agree, confirm).
            pairs.append((f.name, f.value))
        elif f.kind == "select":
            # Django marks its empty choice selected: a person picks one.
            chosen = [v for v in f.selected if v] or [
                next((o for o in f.options if o), "")
            ]
            pairs.extend((f.name, v) for v in chosen[: None if f.multiple else 1])
        elif f.kind == "file":
            pairs.append((f.name, ("fuzz.txt", f"{MARK} file".encode())))
        else:
            pairs.append((f.name, f.value or _hint(f)))
        done.add(f.name)
    return pairs


# --------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------

MISSING = object()
REPEATED = object()

FIELD_VALUES: list[tuple[str, Any]] = [
    ("script", SCRIPT),
    ("100,000 characters", MARK + "x" * 100_000),
    ("NUL", f"{MARK}\x00x"),
    ("lone surrogate", MARK.encode() + b"\xed\xa0\x80"),
    ("Latin-1", "Mäkelä".encode("latin-1")),
    ("1e309", "1e309"),
    ("-1", "-1"),
    ("2**70", str(2**70)),
    ("other digits", "١٢٣٤٥"),
    ("superscript digits", "²³"),
    ("2026-02-30", "2026-02-30"),
    ("empty", ""),
    ("repeated 500 times", REPEATED),
    ("missing", MISSING),
]

QUERY_VALUES = [
    quote(SCRIPT, safe=""),
    "x" * 10_000,
    "%00",
    MARK + "%ED%A0%80",
    "%FF",
    "1e309",
    "-1",
    str(2**70),
    "%D9%A1%D9%A0",  # Arabic-Indic digits
    "%C2%B2",  # a superscript two: str.isdigit() says yes, int() says no
    "9" * 5_000,  # more digits than int() reads
    "2026-02-30",
    "",
    "not-a-uuid",
]
# Names a list or form page may read, beside those of its own GET forms.
QUERY_NAMES = [
    "q",
    "page",
    "after",
    "before",
    "sort",
    "next",
    "lang",
    "kind",
    "view",
    "organization",
    "person",
]


def _other_digits(text: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


def hostile_ids(converter: str, real: str) -> list[tuple[str, str]]:
    """Path values for one parameter; each answers like a missing row."""
    values = [
        ("not an id", "not-a-uuid"),
        ("dot dot slash", "..%2F..%2Fme"),
        ("NUL", "%00"),
        ("NUL in the id", real[:-1] + "%00"),
        ("10 kB", "a" * 10_240),
        ("arabic-indic digits", _other_digits(real, 0x660)),
        ("fullwidth digits", _other_digits(real, 0xFF10)),
        ("bad UTF-8", "%FF%FE"),
        ("surrogate", "%ED%A0%80"),
        ("script", quote(SCRIPT, safe="")),
    ]
    if converter == "uuid":
        values += [
            ("urn", f"urn:uuid:{real}"),
            ("braces", quote("{" + real + "}", safe="")),
            ("no dashes", real.replace("-", "")),
            ("upper case", real.upper()),
        ]
    if converter in ("int", "id"):
        values += [("zero", "0"), ("2**70", str(2**70)), ("-1", "-1")]
    if converter == "id":
        # One spelling per id (core/ids.py's RowNumber).
        values += [("leading zeros", "00" + real), ("5,000 digits", "9" * 5000)]
    return values


# Per route, this many of the hostile ids beside an id of nothing, and a
# form is posted at least FORM_VALUES times (one value each), the values
# taken in turn from an offset of the route's own, so that every value goes
# to many routes. A form of more fields than FORM_POSTS is posted FORM_POSTS
# times, a few fields hostile at once.
IDS_PER_PARAM = 4
FORM_VALUES = 10
FORM_POSTS = 20


def _offset(name: str) -> int:
    """A fixed offset per route: routes pair fields and values differently."""
    return zlib.crc32(name.encode())


# --------------------------------------------------------------------------
# What a request wrote
# --------------------------------------------------------------------------

# Rows a refusal writes by design: a failed password (re-authentication,
# password change) counts towards the lockout.
REFUSALS_COUNTED = {LoginThrottle._meta.db_table}


def _project_tables() -> list[str]:
    """The project's tables in the default database, but the audit log
    (checked by action and outcome) and the failure counters."""
    found = set()
    for model in apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("rekisteri.") or meta.app_label == "audit":
            continue
        if meta.proxy or not meta.managed or meta.db_table in REFUSALS_COUNTED:
            continue
        if router.db_for_write(model) in (None, "default"):
            found.add(meta.db_table)
    return sorted(found)


PROJECT_TABLES: list[str] = []

# Audit actions that record a read: those the kit's GET routes declare, and
# the reads a form post shows (a search, a dry run, an erasure plan).
READ_ACTIONS = {
    action
    for expect in (*tables().site.values(), *tables().api.values())
    if expect.method == "GET"
    for action in expect.events
} | {"registry.search", "connectors.contacts_preview", "rights.erasure_plan"}


@dataclass
class Snapshot:
    counts: tuple[int, ...]
    last_event: int


def snapshot() -> Snapshot:
    counts = [f'(SELECT COUNT(*) FROM "{t}")' for t in PROJECT_TABLES]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(counts))
        row = tuple(cursor.fetchone())
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return Snapshot(row, last or 0)


def written(before: Snapshot) -> list[str]:
    """Tables whose row count changed since ``before``, and audit events of
    writes that succeeded (not reads, not refusals)."""
    after = snapshot()
    changed = [
        f"{table} {a}→{b}"
        for table, a, b in zip(PROJECT_TABLES, before.counts, after.counts, strict=True)
        if a != b
    ]
    events = (
        AuditEvent.objects.filter(id__gt=before.last_event, outcome=Outcome.OK)
        .exclude(action__in=READ_ACTIONS)
        .values_list("action", flat=True)
    )
    return changed + [f"audit {action}" for action in events]


# --------------------------------------------------------------------------
# Sending and checking
# --------------------------------------------------------------------------

BOUNDARY = "rkfuzzboundary"


def encode(pairs: list[tuple[str, Any]], multipart: bool) -> bytes:
    """A form body: str values as UTF-8, bytes as they are, files as parts."""
    if not multipart:
        out = []
        for key, value in pairs:
            raw = value[1] if isinstance(value, tuple) else value
            raw = raw if isinstance(raw, bytes) else raw.encode()
            out.append(quote(key) + "=" + quote_from_bytes(raw))
        return "&".join(out).encode()
    parts = []
    for key, value in pairs:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"'
        if isinstance(value, tuple):
            head += f'; filename="{value[0]}"\r\nContent-Type: text/plain'
            value = value[1]
        content = value if isinstance(value, bytes) else value.encode()
        parts.append(head.encode() + b"\r\n\r\n" + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


# Errors on a page: a field's and the summary (core/partials), a view's own
# list, a message.
ERROR_MARKUP = (b"field--error", b"error-summary", b"alert--error", b"message--error")


def form_errors(response: Any) -> bool:
    """A bound form shown again with errors (in the context, or in the
    field and summary markup of core/partials)."""
    for context in response.context or ():
        for value in context.flatten().values() if hasattr(context, "flatten") else ():
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                return True
            if (
                isinstance(value, BaseFormSet)
                and value.is_bound
                and (any(value.errors) or value.non_form_errors())
            ):
                return True
    return any(marker in response.content for marker in ERROR_MARKUP)


def refused(response: Any, posted: bool) -> bool:
    """Status 400 or more, an error message queued, or a form with errors."""
    if response.status_code >= 400:
        return True
    # Queued by this request, or shown by it already when it rendered a page.
    storage = getattr(response.wsgi_request, "_messages", None)
    shown = [
        *getattr(storage, "_queued_messages", ()),
        *getattr(storage, "_loaded_messages", ()),
    ]
    if any(m.level >= message_levels.ERROR for m in shown):
        return True
    return (
        posted
        and response.status_code == 200
        and not response.streaming
        and form_errors(response)
    )


@dataclass
class Probe:
    """One route's requests, and what was wrong with the answers."""

    name: str
    client: Client
    problems: list[str] = field(default_factory=list)
    sent: int = 0

    def send(
        self,
        method: str,
        url: str,
        what: str,
        body: bytes = b"",
        multipart: bool = False,
    ) -> Any:
        label = f"{method} {url[:100]} [{what}]"
        before = snapshot()
        self.sent += 1
        # Messages a redirect left unread belong to an earlier request.
        self.client.cookies.pop("messages", None)
        try:
            if method == "GET":
                response = self.client.get(url)
            else:
                kind = (
                    f"multipart/form-data; boundary={BOUNDARY}"
                    if multipart
                    else "application/x-www-form-urlencoded"
                )
                response = self.client.post(url, body, content_type=kind)
        except Exception as exc:
            problems = "\n  ".join([*self.problems, f"{label} raised {exc!r}"])
            raise AssertionError(f"{self.name}:\n  {problems}") from exc
        content = b"".join(response) if response.streaming else response.content
        status = response.status_code
        if status >= 500:
            self.problems.append(f"{label} → {status}")
        if b"Traceback" in content:
            self.problems.append(f"{label}: a traceback in the answer")
        html = response.get("Content-Type", "").startswith("text/html")
        if html and RAW_SCRIPT in content:
            self.problems.append(f"{label}: the script unescaped in the page")
        if refused(response, posted=method != "GET"):
            wrote = written(before)
            if wrote:
                self.problems.append(f"{label}: refused ({status}) but wrote {wrote}")
        return response


# --------------------------------------------------------------------------
# The world, its users and its forms: built once, each test rolled back
# --------------------------------------------------------------------------


@dataclass
class Shared:
    kit: Kit
    # Route → the forms posting to it on the other pages: (URL, form).
    forms: dict[str, list[tuple[str, Form]]]
    # Route → the query parameters the other pages' links give it.
    queries: dict[str, dict[str, str]]


def page_url(kit: Kit, route: Route, expect: Expect) -> str:
    url = kit.world.url(route)
    assert url is not None, route.name
    if expect.query:
        filled = kit.filled(expect.query)
        url += "?" + "&".join(f"{quote(k)}={quote(str(v))}" for k, v in filled.items())
    return url


def crawl(kit: Kit) -> Shared:
    """Every staff page as its route's role, as the privacy officer and as a
    newcomer who has signed nothing; the post forms on them and the query
    parameters of their links, by the route they go to."""
    newcomer = make_staff(StaffRole.SALES, cleared=False, username="fuzz-newcomer")
    officer = kit.user(StaffRole.PRIVACY_OFFICER)
    clients: dict[int, Client] = {}
    found: dict[str, list[tuple[str, Form]]] = {}
    queries: dict[str, dict[str, str]] = {}
    seen: set[tuple] = set()
    for name, route in sorted(STAFF.items()):
        expect = tables().site[name]
        if expect.method != "GET" or expect.prepare is not None:
            continue
        holder = kit.holder(route.required_perm, expect)
        viewers = [holder]
        if officer.pk != holder.pk and has_perm(officer, route.required_perm):
            viewers.append(officer)
        if route.required_perm in (Perm.AUTHENTICATED, Perm.OWN_TOKENS):
            viewers.append(newcomer)
        url = page_url(kit, route, expect)
        for user in viewers:
            if user.pk not in clients:
                clients[user.pk] = client_as(user, reauth=True)
            page = read_page(clients[user.pk].get(url))
            for href in page.links:
                link = urlsplit(urljoin(url, href))
                target = route_of(link.path)
                if target in STAFF and link.query:
                    read = queries.setdefault(target, {})
                    for key, value in parse_qsl(link.query, keep_blank_values=True):
                        read.setdefault(key, value)
            for form in page.forms:
                action = urljoin(url, form.action)
                target = route_of(action)
                if form.method != "post" or target not in STAFF:
                    continue
                if form.signature() not in seen:
                    seen.add(form.signature())
                    found.setdefault(target, []).append((action, form))
    return Shared(kit, found, queries)


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """The kit's world, a user per role and the crawled forms, in one
    transaction per database that the module's end rolls back."""
    with django_db_blocker.unblock():
        atomics = [(alias, transaction.atomic(using=alias)) for alias in connections]
        for _alias, atomic in atomics:
            atomic.__enter__()
        try:
            PROJECT_TABLES[:] = _project_tables()
            kit = Kit()
            org = Organization.objects.get(pk=kit.world.ids["organization"])
            HINTS["organization"] = HINTS["customer-organization"] = org.customer_number
            for role in ROLE_ORDER:
                kit.user(role)
            yield crawl(kit)
        finally:
            for alias, atomic in reversed(atomics):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)


# --------------------------------------------------------------------------
# The parts of a route's test
# --------------------------------------------------------------------------


def fuzz_query(probe: Probe, url: str, read: dict[str, str]) -> None:
    """Each parameter the page reads with every hostile value in turn, the
    others as the page gave them; then the common names, all hostile at
    once; then one name 300 times and 900 names."""
    sep = "&" if "?" in url else "?"
    n = len(QUERY_VALUES)
    offset = _offset(probe.name)

    def query(hostile: dict[str, str]) -> str:
        pairs = {**{k: quote(v) for k, v in read.items()}, **hostile}
        return "&".join(f"{quote(k)}={v}" for k, v in pairs.items())

    for name in read:
        for value in QUERY_VALUES:
            probe.send("GET", url + sep + query({name: value}), f"?{name}={value[:20]}")
    common = {
        name: QUERY_VALUES[(offset + len(read) + i) % n]
        for i, name in enumerate(q for q in QUERY_NAMES if q not in read)
    }
    probe.send("GET", url + sep + query(common), "common names")
    repeated = "&".join(f"{quote(QUERY_NAMES[0])}={v}" for v in ("1", "x", MARK) * 100)
    many = "&".join(f"p{i}={MARK}" for i in range(900))
    probe.send("GET", f"{url}{sep}{repeated}&{many}", "one name 300 times, 900 names")


def swap(kit: Kit, route: Route, name: str, value: str) -> str:
    """The route's URL in the world with ``value`` for the parameter ``name``."""
    return "/" + _PARAM.sub(
        lambda m: (
            value
            if m["name"] == name
            else kit.world.value_for(m["converter"] or "str", m["name"], route.route)
        ),
        route.route,
    )


def fuzz_ids(probe: Probe, kit: Kit, route: Route, method: str, body: bytes):
    """Each path parameter: an id of nothing, then hostile ids, all answered
    as the id of nothing is (404 for a uuid or an int)."""
    offset = _offset(probe.name)
    for m in _PARAM.finditer(route.route):
        converter, name = m["converter"] or "str", m["name"]
        nothing = {
            "uuid": str(uuid.uuid4()),
            "int": "987654321",
            "id": "987654321",
        }.get(converter, "no-such-thing")
        ordinary = probe.send(method, swap(kit, route, name, nothing), "nothing", body)
        if converter in ("uuid", "int", "id") and ordinary.status_code != 404:
            probe.problems.append(f"{name} of nothing → {ordinary.status_code}")
        values = hostile_ids(
            converter, kit.world.value_for(converter, name, route.route)
        )
        for k in range(min(IDS_PER_PARAM, len(values))):
            what, value = values[(offset + k) % len(values)]
            response = probe.send(method, swap(kit, route, name, value), what, body)
            if response.status_code not in (404, ordinary.status_code):
                probe.problems.append(
                    f"{name} [{what}] → {response.status_code}, "
                    f"not {ordinary.status_code}"
                )


# Free text: what a person types, the values every one of them gets at once.
TEXT_KINDS = {"text", "textarea", "email", "search", "tel", "url", "password"}
EVERY_TEXT = ("NUL", "script", "100,000 characters")


def posts(
    form: Form, offset: int, only: list[str] | None = None
) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """The form with hostile values: every free-text field with each value
    of EVERY_TEXT at once; then every field and every value at least once,
    one field at a time up to FORM_POSTS posts, then a few at once. With
    ``only``, those fields once each (a variant of a form already posted)."""
    base = valid_pairs(form)
    names = form.names() if only is None else only
    text = sorted(
        {f.name for f in form.fields if f.kind in TEXT_KINDS and f.name in names}
    )
    for what, value in FIELD_VALUES:
        if text and what in EVERY_TEXT:
            yield (
                f"{','.join(text)}={what}",
                [(k, value if k in text else v) for k, v in base],
            )
    count = len(names) if only is not None else FORM_VALUES
    count = max(count, min(len(names), FORM_POSTS))
    for k in range(count):
        hostile = names[k::count] if len(names) > count else [names[k % len(names)]]
        what, value = FIELD_VALUES[(offset + k) % len(FIELD_VALUES)]
        pairs = [(key, v) for key, v in base if key not in hostile]
        for name in hostile:
            valid = next((v for key, v in base if key == name), MARK)
            kind = next((f.kind for f in form.fields if f.name == name), "text")
            if value is MISSING:
                continue
            if value is REPEATED:
                pairs += [(name, valid)] * 500
            elif kind == "file":
                text_ = value if isinstance(value, bytes) else value.encode()
                pairs.append((name, (f"{MARK}.txt", text_)))
            else:
                pairs.append((name, value))
        yield f"{','.join(hostile)}={what}", pairs


def fuzz_forms(probe: Probe, forms: list[tuple[str, Form]]) -> set[str]:
    """Post each form with hostile values; a variant of a form already
    posted (the same action, another step of a case) posts its new fields
    only. The page a stored script is shown on is fetched too. Returns the
    fields posted hostile."""
    hit: set[str] = set()
    offset = _offset(probe.name)
    for url, form in forms:
        if not form.names():
            extra = Field("fuzz_unknown", "text", MARK)
            form = Form(form.method, form.action, form.multipart, [*form.fields, extra])
        only = None
        if hit:
            only = [n for n in form.names() if n not in hit] or form.names()[:1]
        for label, pairs in posts(form, offset, only):
            response = probe.send(
                "POST", url, label, encode(pairs, form.multipart), form.multipart
            )
            location = response.get("Location", "")
            if label.endswith("=script") and location.startswith("/"):
                probe.send("GET", location, f"after {label}")
            hit.update(label.split("=", 1)[0].split(","))
            offset += 1
    return hit


@pytest.mark.parametrize("name", sorted(STAFF))
def test_hostile_input_to_a_staff_route(shared, name):
    kit = shared.kit
    route = STAFF[name]
    expect = tables().site[name]
    if expect.prepare is not None:
        expect.prepare(kit.world)
    user = kit.holder(route.required_perm, expect)
    probe = Probe(name, client_as(user, reauth=True))
    url = page_url(kit, route, expect)

    # The page, and the query parameters its view looks up, its GET forms and
    # its links (and the other pages' links to it) give.
    with query_reads() as looked_up:
        page = probe.send("GET", url, "the page")
    read = read_page(page)
    own_forms = read.forms
    if page.status_code != 405:
        given = {**shared.queries.get(name, {}), **query_read(url, read)}
        fuzz_query(probe, url, {**dict.fromkeys(looked_up, ""), **given})

    # Ids in the path, by GET, or by POST with the body the app declared.
    declared = list(kit.filled(expect.data).items())
    if "<" in route.route:
        if page.status_code == 405:
            fuzz_ids(probe, kit, route, "POST", encode(declared, False))
        else:
            fuzz_ids(probe, kit, route, "GET", b"")

    # The forms posting here (this page's, as the world stands for this
    # route, before the other pages'); else the body the app declared, with
    # an unknown field beside it. A route that takes a post gets an empty one.
    forms = [
        (urljoin(url, f.action), f)
        for f in own_forms
        if f.method == "post" and route_of(urljoin(url, f.action)) == name
    ]
    mine = {f.signature() for _url, f in forms}
    forms += [
        (u, f) for u, f in shared.forms.get(name, []) if f.signature() not in mine
    ]
    if not forms and expect.method == "POST":
        fields = [Field(k, "text", str(v)) for k, v in declared]
        forms = [(url, Form("post", url, False, fields))]
    if forms or page.status_code == 405:
        probe.send("POST", url, "empty post")
    hit = fuzz_forms(probe, forms)
    expected = {n for _url, f in forms for n in f.names()}
    assert expected <= hit, f"{name}: fields never posted: {expected - hit}"

    result = verify_chain()
    assert result.ok, f"{name}: the audit chain: {result.problem}"
    assert not probe.problems, f"{name}:\n  " + "\n  ".join(probe.problems)
