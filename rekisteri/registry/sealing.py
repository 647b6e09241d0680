"""A sole trader's company data, sealed under the company's own key.

A sole trader (``Organization.sole_trader``) is a natural person, so the
company's name, business ID, VAT number, addresses and registered names are
the trader's personal data (docs/security.md, Sole traders). For a sole
trader these values are not stored in their columns: the columns hold
stand-ins (the name column the pseudonym ``[customer number]``, the others
empty) and the values themselves are sealed together, as one JSON document,
in ``Organization.sole_trader_sealed`` under the organization's own data key
(key class ``crm``, the key the relationship's message history is sealed
under). A company's values stay in their columns, in the clear: company data
is no personal data.

Code reads and writes the fields as always (``org.name``):

* :class:`SoleTraderAttribute`, the fields' descriptor, opens the sealed
  document on first access of a loaded sole trader and gives its values; a
  document whose key is shredded reads as the stand-ins, so an erased
  trader's company shows its pseudonym;
* :class:`SoleTraderMixin` makes each field's ``pre_save`` write its
  stand-in for a sole trader, and :class:`SealedValuesField` seals the
  values (also for the bulk writer, registry/inserts.py, which runs the
  fields' ``pre_save``);
* :class:`BusinessIdDigestField` keeps a keyed digest of every
  organization's business ID, unique, so a sole trader's business ID is
  found and kept unique without its column;
* :func:`reindex_name` keeps the blind index of a sole trader's name, so
  name search finds it (docs/security.md, Blind indexes).

A queryset that reads columns without instances (``values()``) gets the
stand-ins: a reader that shows a sole trader's values reads it as an
instance (the person page's contract parties, contracts/selectors.py; the
PRH import's reviews).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import models

from rekisteri.core import blindindex, compiled, idlist, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto import blind
from rekisteri.core.crypto.fields import EncryptedTextField, Placeholder
from rekisteri.core.formats import search_key
from rekisteri.core.models import BlindIndex

DOCUMENT = "sole_trader_sealed"
DIGEST = "business_id_digest"
NAME_LABEL = "registry.Organization.name"

_PENDING = "_sole_trader_pending"  # loaded with a document not yet opened
_STATE = "_sole_trader_state"  # "open", "erased" or "unreadable"
_CHECKED = "_sole_trader_checked"  # the document was read (or is known absent)


_LAYOUT: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def _layout(model: type[models.Model]) -> tuple[tuple[str, ...], frozenset[str]]:
    found = _LAYOUT.get(model)
    if found is None:
        mixed = [
            f for f in model._meta.concrete_fields if isinstance(f, SoleTraderMixin)
        ]
        names = tuple(f.attname for f in mixed if f.in_document)
        derived = {f.attname for f in model._meta.concrete_fields} & {DOCUMENT, DIGEST}
        found = _LAYOUT[model] = (
            names,
            frozenset({*(f.attname for f in mixed), *derived}),
        )
    return found


def sealed_names(model: type[models.Model]) -> tuple[str, ...]:
    """The fields of ``model`` whose values a sole trader's document holds."""
    return _layout(model)[0]


def together(model: type[models.Model]) -> frozenset[str]:
    """The columns a save writes together when any of them (or the flag)
    changes: the sealed fields, their derived columns and the document."""
    return _layout(model)[1]


def pseudonym(customer_number: str) -> str:
    """A sole trader's name as its column holds it (and as the company
    reads once its key is shredded): the customer number, which the books
    keep referring to."""
    return f"[{customer_number}]"


def standin(instance: models.Model, attname: str) -> Any:
    """What a sole trader's column holds instead of the value."""
    if attname in ("name", "name_key"):
        text = pseudonym(instance.__dict__.get("customer_number") or "")
        return text if attname == "name" else search_key(text)
    field = instance._meta.get_field(attname)
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return []
    if field.has_default():
        return field.get_default()  # a country's "FI": the same for everyone
    return ""


def loaded(instance: models.Model) -> None:
    """Called for each organization the database loads: a sealed document
    is opened on the first access of a sealed field."""
    data = instance.__dict__
    if DOCUMENT in data:
        if data[DOCUMENT] is not None:
            data[_PENDING] = True
            data["_sole_trader_indexed"] = True
        else:
            data[_CHECKED] = True
    elif not data.get("sole_trader", True):
        data[_CHECKED] = True
    elif any(n in data for n in sealed_names(type(instance))):
        # Loaded without its document (``only()``): it may be a sole trader.
        data[_PENDING] = True


def after_save(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    """post_save: a sole trader's name in the blind index (and a former
    sole trader's taken out)."""
    data = instance.__dict__
    if is_sole_trader(instance) or data.get("_sole_trader_indexed"):
        reindex_name(instance)
        data["_sole_trader_indexed"] = is_sole_trader(instance)


def after_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    forget_name([instance.pk])


def is_sole_trader(instance: models.Model) -> bool:
    return bool(instance.__dict__.get("sole_trader"))


def _open(instance: models.Model) -> None:
    """Put the sealed document's values in place of the loaded stand-ins."""
    data = instance.__dict__
    data.pop(_PENDING, None)
    data[_CHECKED] = True
    text = getattr(instance, DOCUMENT)  # decrypts (or reads a deferred column)
    if text is None:
        return
    if isinstance(text, Placeholder):
        data[_STATE] = text.reason
        return
    values = json.loads(text)
    for name in sealed_names(type(instance)):
        if name in values:
            data[name] = values[name]
    data[_STATE] = "open"


def state(instance: models.Model) -> str | None:
    """``"open"``, ``"erased"`` (key shredded: the values read as the
    stand-ins), ``"unreadable"``, or None for a company or a sole trader
    whose values were never sealed."""
    if _PENDING in instance.__dict__:
        _open(instance)
    return instance.__dict__.get(_STATE)


class SoleTraderAttribute:
    """Data descriptor of a sealed field: the value, opened from the sealed
    document when the row was loaded as a sole trader's."""

    def __init__(self, field: models.Field) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        if _PENDING in data:
            _open(instance)
        attname = self.field.attname
        if attname not in data:
            # A deferred column: read it, and the document unless known.
            instance.refresh_from_db(fields=[attname])
            if _CHECKED not in data and instance.pk is not None:
                _open(instance)
        return data.get(attname)

    def __set__(self, instance: Any, value: Any) -> None:
        data = instance.__dict__
        if _PENDING in data:
            # Open first, so the document's other values are not lost.
            _open(instance)
        data[self.field.attname] = value


class SoleTraderMixin:
    """A column that holds a stand-in for a sole trader (see the module)."""

    descriptor_class = SoleTraderAttribute
    in_document = True  # False: derived from a value that is (a search key)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = getattr(model_instance, self.attname)  # type: ignore[attr-defined]
        if is_sole_trader(model_instance):
            return standin(model_instance, self.attname)  # type: ignore[attr-defined]
        return value

    def deconstruct(self) -> tuple:
        # The column is the base field's: migrations see no difference.
        name, _path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        base = type(self).__mro__[2]
        return name, f"django.db.models.{base.__name__}", args, kwargs


class SoleTraderCharField(SoleTraderMixin, models.CharField):
    pass


class SoleTraderJSONField(SoleTraderMixin, models.JSONField):
    pass


class SoleTraderTextField(SoleTraderMixin, models.TextField):
    pass


class SealsSoleTrader(models.Model):
    """A model with sole-trader fields and a sealed document: loading marks
    the document to be opened, and a save writes the columns and the
    document together."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None:
            both = together(type(self))
            if set(fields) & (both | {"sole_trader", "customer_number"}):
                kwargs["update_fields"] = {*fields, *both}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        loaded(instance)
        return instance


class SealedValuesField(EncryptedTextField):
    """The sealed document of a sole trader's values (None for a company,
    and for a sole trader with nothing to seal: only stand-ins, as after
    its pseudonymisation)."""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        data = model_instance.__dict__
        if _PENDING in data:
            _open(model_instance)
        document = None
        if is_sole_trader(model_instance):
            values = {n: getattr(model_instance, n) for n in sealed_names(self.model)}
            if any(v != standin(model_instance, n) for n, v in values.items()):
                document = json.dumps(values, ensure_ascii=False, sort_keys=True)
        data[self.attname] = document
        return super().pre_save(model_instance, add)


class BusinessIdDigestField(models.CharField):
    """A keyed full-length digest of the business ID (every organization
    that has one): unique, the lookup for a business ID whatever the kind
    of company (:func:`digest`)."""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.business_id
        found = digest(value) if value else None
        model_instance.__dict__[self.attname] = found
        return found

    def deconstruct(self) -> tuple:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


def digest(business_id: str) -> str:
    """The ``business_id_digest`` of a normalised business ID."""
    return blindindex.unique_digest_for(
        "registry.Organization.business_id", business_id
    )


def business_id_q(business_ids: Iterable[str]) -> models.Q:
    """Organizations with any of the (normalised) business IDs, companies
    and sole traders alike."""
    wanted = sorted({digest(b) for b in business_ids if b})
    return models.Q(**{f"{DIGEST}__in": wanted})


# --------------------------------------------------------------------------
# The name's blind index
# --------------------------------------------------------------------------


def _code_range() -> tuple[int, int]:
    code = blindindex.field_code(NAME_LABEL)
    return code << 32, (code + 1) << 32


def reindex_name(instance: models.Model) -> None:
    """Rewrite the sole trader's name terms in the blind index (and remove
    them from a company that is a sole trader no longer)."""
    low, high = _code_range()
    BlindIndex.objects.filter(
        subject_id=instance.pk, key__gte=low, key__lt=high
    ).delete()
    if not is_sole_trader(instance) or state(instance) not in ("open", None):
        return
    name = instance.__dict__.get("name") or ""
    if name == standin(instance, "name"):
        return
    keys = sorted(set(blindindex.keys_for_label(NAME_LABEL, "name", name)))
    BlindIndex.objects.bulk_create(
        [BlindIndex(key=k, subject_id=instance.pk) for k in keys]
    )


def forget_name(organization_ids: Iterable[Any]) -> None:
    """Remove sole traders' name terms (their key was shredded)."""
    low, high = _code_range()
    BlindIndex.objects.filter(
        subject_id__in=list(organization_ids), key__gte=low, key__lt=high
    ).delete()


# How many sole traders a name search reads from the blind index.
NAME_CANDIDATES = 200


def _driver_key(tokens: list[str]) -> int:
    """The blind-index key of the word that drives a name search: the
    longest of three or more letters, else the first (indexed whole)."""
    long = [t for t in tokens if len(t) >= blind.MIN_PREFIX]
    driver = max(long, key=len) if long else tokens[0]
    return blindindex.query_key_for_label(NAME_LABEL, "name", driver)


def _tokens(text: str) -> list[str]:
    return [t[: blind.MAX_TOKEN] for t in search_key(text).split() if t]


def _matches(org: models.Model, tokens: list[str]) -> bool:
    words = search_key(str(org.name)).split()
    return all(any(w.startswith(t) for w in words) for t in tokens)


def _organization() -> type[models.Model]:
    # The models import this module: the model by name, not by import.
    return apps.get_model("registry", "Organization")


def _page_in_name_order(key: int, start: int, page: int) -> list[Any]:
    """Rows ``start`` to ``start + page`` of the sole traders among the
    first ``NAME_CANDIDATES`` subjects with ``key`` in the blind index (in
    subject order), in the organizations' name order (a sole trader's name
    key column holds its pseudonym's), as loaded organizations.

    One statement, compiled once per process for each page's bounds
    (core/compiled.py): the candidates, their order and the page's rows
    are read together, not in a round trip each."""
    Organization = _organization()

    def build(keys: list[int]) -> Any:
        candidates = (
            BlindIndex.objects.filter(idlist.among("key", keys))
            .order_by("subject_id")
            .values("subject_id")[:NAME_CANDIDATES]
        )
        return Organization.objects.filter(
            id__in=candidates, sole_trader=True
        ).order_by("name_key", "id")[start : start + page]

    return compiled.among_instances(
        ("registry.sealing.name_page", start, page),
        build,
        [key],
        model=Organization,
    )


def _matching(text: str, page: int) -> Iterator[Any]:
    """The sole traders with a name word starting with each word of
    ``text``, in name order, as loaded organizations: the longest word
    looked up in the blind index, the candidates loaded ``page`` at a time
    (:func:`_page_in_name_order`) and each opened and checked (digests collide
    on purpose, and shorter words are checked only after opening), their
    keys read together. A caller that stops early loads no more pages: a
    common word can have two hundred candidates, each a wide row with its
    own key and document."""
    tokens = _tokens(text)
    if not tokens:
        return
    key = _driver_key(tokens)
    page = min(page, NAME_CANDIDATES)
    for start in range(0, NAME_CANDIDATES, page):
        part = _page_in_name_order(key, start, page)
        prefetch_keys(part)
        yield from (org for org in part if _matches(org, tokens))
        if len(part) < page:
            return  # the candidates are used up


def matching_names(text: str) -> list[Any]:
    """The ids of the sole traders whose name matches ``text`` (see
    ``_matching``), for the caller to filter by its own queryset
    (``Q(pk__in=...)``). Call in a key scope."""
    return [org.pk for org in _matching(text, NAME_CANDIDATES)]


def first_matching(text: str, limit: int) -> list[Any]:
    """The first ``limit`` sole traders in name order whose name matches
    ``text``, as loaded organizations: a page of search results, for which
    the candidates are opened only until the page is full. Call in a key
    scope."""
    if limit <= 0:
        return []
    return list(itertools.islice(_matching(text, limit), limit))


def prefetch_keys(rows: Iterable[models.Model]) -> None:
    """Load the keys of the sole traders among loaded ``rows`` into the
    active key scope with one query (a page of organizations opens each
    document with no round trip of its own)."""
    wanted = [
        r.pk for r in rows if r.__dict__.get(DOCUMENT) is not None and r.pk is not None
    ]
    if wanted:
        keyring.prefetch(wanted, KeyClass.CRM)
