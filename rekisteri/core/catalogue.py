"""The personal-data catalogue (docs/architecture.md).

Every concrete field of every model is classified where the model is defined:

* our own fields are wrapped at definition time::

      first_name = personal(
          models.CharField(max_length=100),
          category="user.name.first",
          purposes=[Purpose.CUSTOMER_RELATIONSHIP, Purpose.CUSTOMER_SERVICE],
          legal_basis=LegalBasis.CONTRACT,
          retention="relationship",
          erasure=Erasure.SHRED,
      )
      created_at = not_personal(models.DateTimeField(auto_now_add=True))

* fields a model inherits from code we do not own (``AbstractUser``) are
  classified in a ``catalogue`` dict on the model class;
* models of Django's own apps are classified in :data:`EXTERNAL` below.

The system check :func:`check_catalogue` fails ``manage.py check`` (and so the
test suite) on any field that is not classified, on a category, data use or
subject that is not in the Fides taxonomy, on an unknown retention rule and on
a subject path that does not lead to a Person.

Everything that must know what is personal data (access export, erasure plan,
retention, the privacy notice, the record of processing, docs/data-catalogue.md)
reads :func:`catalogue_entries`, never a hand-written list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models

from rekisteri.core import ids

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------


class Purpose(models.TextChoices):
    """Purposes of processing, as the privacy notice names them."""

    CUSTOMER_RELATIONSHIP = "customer_relationship", "Customer relationship"
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    INVOICING = "invoicing", "Invoicing"
    COLLECTION = "collection", "Debt collection"
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    SECURITY = "security", "Security and access control"


# Each purpose maps to a Fides data use so the catalogue exports as a Fides
# dataset that privacy-engineering tools understand.
PURPOSE_FIDES_USE: dict[str, str] = {
    Purpose.CUSTOMER_RELATIONSHIP: "essential.service",
    Purpose.CUSTOMER_SERVICE: "essential.service.operations.support",
    Purpose.INVOICING: "essential.service.payment_processing",
    Purpose.COLLECTION: "essential.service.payment_processing",
    Purpose.SALES: "sales",
    Purpose.MARKETING: "marketing.communications",
    Purpose.SECURITY: "essential.service.security",
}


class LegalBasis(models.TextChoices):
    """GDPR Art. 6(1) bases used by Rekisteri."""

    CONTRACT = "contract", "Contract (Art. 6(1)(b))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Art. 6(1)(c))"
    LEGITIMATE_INTEREST = (
        "legitimate_interest",
        "Legitimate interest (Art. 6(1)(f))",
    )
    CONSENT = "consent", "Consent (Art. 6(1)(a))"


class Erasure(models.TextChoices):
    """What erasure does to a field."""

    SHRED = "shred", "Crypto-shredded (data key destroyed)"
    DELETE = "delete", "Row deleted"
    PSEUDONYMISE = "pseudonymise", "Replaced with a pseudonym"
    RETAIN = "retain_until_rule_expires", "Kept until its retention rule expires"


class KeyClass(models.TextChoices):
    """Encryption key classes follow retention (docs/security.md)."""

    CRM = "crm", "CRM data"
    BOOKKEEPING = "bookkeeping", "Bookkeeping data"


# Named retention rules (docs/data-catalogue.md). The retention issue computes
# their dates; the catalogue only refers to them, and the check refuses an
# unknown name.
RETENTION_RULES: dict[str, str] = {
    "relationship": "End of the last contract or role plus a grace period",
    "bookkeeping_voucher": (
        "6 years from the end of the calendar year in which the financial "
        "year ended (Accounting Act 2:10)"
    ),
    "bookkeeping_book": "10 years from the end of the financial year",
    "marketing": "Last interaction plus N months",
    "privacy_case": "Closure of the privacy case plus N years",
    "audit": "N years",
    "unverified_request": "N days",
    "staff_account": "Employment plus the access-review period",
}

FIDES_SUBJECTS = {
    "contact": "customer",
    "staff": "employee",
}


# --------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    """Classification of a field that holds personal data.

    ``subject`` is the path from the row to its data subject: ``"self"`` for
    the Person row itself, a foreign-key name such as ``"person"`` otherwise,
    or ``"staff"`` for staff accounts. ``when`` names a boolean field that
    makes the value personal only for some rows (a sole trader's company
    name is the trader's name).
    """

    category: str
    purposes: tuple[str, ...]
    legal_basis: str
    retention: str
    erasure: str
    subject: str = "person"
    key_class: str = KeyClass.CRM
    when: str | None = None
    description: str = ""

    personal = True


@dataclass(frozen=True)
class NotPersonal:
    """Explicit statement that a field holds no personal data."""

    reason: str = ""
    personal = False


Classification = PersonalData | NotPersonal


def personal(
    model_field: models.Field,
    *,
    category: str,
    purposes: Iterable[str],
    legal_basis: str,
    retention: str,
    erasure: str,
    subject: str = "person",
    key_class: str = KeyClass.CRM,
    when: str | None = None,
    description: str = "",
) -> models.Field:
    """Mark ``model_field`` as personal data and return it."""
    model_field.catalogue = PersonalData(  # type: ignore[attr-defined]
        category=category,
        purposes=tuple(str(p) for p in purposes),
        legal_basis=str(legal_basis),
        retention=retention,
        erasure=str(erasure),
        subject=subject,
        key_class=str(key_class),
        when=when,
        description=description,
    )
    return model_field


def not_personal(model_field: models.Field, reason: str = "") -> models.Field:
    """Mark ``model_field`` as holding no personal data and return it."""
    model_field.catalogue = NotPersonal(reason)  # type: ignore[attr-defined]
    return model_field


def staff_actor_fk(verbose_name: str, *, db_index: bool = True) -> models.ForeignKey:
    """The staff member who recorded or decided something (a rights record's
    ``created_by``), classified on the account rather than here."""
    return not_personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
            verbose_name=verbose_name,
            db_index=db_index,
        ),
        "the staff member who acted (staff data is classified on the account)",
    )


def uuid_pk() -> models.UUIDField:
    """A time-ordered UUID primary key (version 7): URLs do not enumerate the
    register, the encryption layer can bind ciphertext to its row before
    insert, and inserts stay local in the key's indexes
    (docs/architecture.md, Identifiers)."""
    return not_personal(
        models.UUIDField(primary_key=True, default=ids.time_ordered_id, editable=False),
        "time-ordered row identifier (creation time and random bits)",
    )


def random_uuid_pk() -> models.UUIDField:
    """A random UUID primary key (version 4) for rows whose id is handed to
    someone outside the staff, where not even its creation time may show
    (docs/security.md, Identifiers)."""
    return not_personal(
        models.UUIDField(primary_key=True, default=ids.random_id, editable=False),
        "random row identifier",
    )


NOT_PERSONAL = NotPersonal()

_STAFF = dict(
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention="staff_account",
    erasure=Erasure.DELETE,
    subject="staff",
)

# Models of apps we do not own. Keyed by "app_label.ModelName".
EXTERNAL: dict[str, dict[str, Classification]] = {
    "auth.Permission": {
        "id": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "content_type": NOT_PERSONAL,
        "codename": NOT_PERSONAL,
    },
    "auth.Group": {
        "id": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "permissions": NOT_PERSONAL,
    },
    "contenttypes.ContentType": {
        "id": NOT_PERSONAL,
        "app_label": NOT_PERSONAL,
        "model": NOT_PERSONAL,
    },
    "sessions.Session": {
        "session_key": PersonalData(
            category="user.device.cookie_id",
            description="Staff session identifier",
            **_STAFF,
        ),
        "session_data": PersonalData(
            category="user.authorization",
            description="Signed session state of a logged-in staff member",
            **_STAFF,
        ),
        "expire_date": NOT_PERSONAL,
    },
    # django-otp (second factor; rekisteri.accounts.mfa). The TOTP secret and
    # the recovery codes are credentials; the rest is device state.
    **{
        label: {
            "id": NOT_PERSONAL,
            "user": PersonalData(category="user.account", **_STAFF),
            "name": NOT_PERSONAL,
            "confirmed": NOT_PERSONAL,
            "throttling_failure_timestamp": NOT_PERSONAL,
            "throttling_failure_count": NOT_PERSONAL,
            "created_at": NOT_PERSONAL,
            "last_used_at": PersonalData(category="user.behavior", **_STAFF),
            **extra,
        }
        for label, extra in (
            (
                "otp_totp.TOTPDevice",
                {
                    "key": PersonalData(
                        category="user.authorization.credentials",
                        description="TOTP shared secret",
                        **_STAFF,
                    ),
                    "step": NOT_PERSONAL,
                    "t0": NOT_PERSONAL,
                    "digits": NOT_PERSONAL,
                    "tolerance": NOT_PERSONAL,
                    "drift": NOT_PERSONAL,
                    "last_t": NOT_PERSONAL,
                },
            ),
            ("otp_static.StaticDevice", {}),
        )
    },
    "otp_static.StaticToken": {
        "id": NOT_PERSONAL,
        "device": NOT_PERSONAL,
        "token": PersonalData(
            category="user.authorization.credentials",
            description="Single-use MFA recovery code",
            **_STAFF,
        ),
    },
}


@dataclass(frozen=True)
class CatalogueEntry:
    """One classified field, as the rest of the system sees it."""

    model: type[models.Model]
    field_name: str
    classification: Classification
    column_type: str = field(default="")

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field_name}"


def _model_fields(model: type[models.Model]) -> list[models.Field]:
    opts = model._meta
    fields: list[models.Field] = list(opts.concrete_fields)
    fields.extend(opts.many_to_many)
    return fields


def classification_of(
    model: type[models.Model], f: models.Field
) -> Classification | None:
    """Return the classification of field ``f`` of ``model``, or None."""
    declared = getattr(f, "catalogue", None)
    if declared is not None:
        return declared
    for klass in model.__mro__:
        mapping = klass.__dict__.get("catalogue")
        if isinstance(mapping, dict) and f.name in mapping:
            return mapping[f.name]
    external = EXTERNAL.get(model._meta.label, {})
    if f.name in external:
        return external[f.name]
    # An automatically created primary key (BigAutoField id) is a row number.
    if f.auto_created and f.primary_key:
        return NOT_PERSONAL
    # Parent links in multi-table inheritance carry the parent's key.
    if isinstance(f, models.OneToOneField) and f.remote_field.parent_link:
        return NOT_PERSONAL
    return None


def iter_models(
    app_configs: Iterable[Any] | None = None,
) -> Iterator[type[models.Model]]:
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    for config in configs:
        yield from config.get_models()


def catalogue_entries(app_configs: Iterable[Any] | None = None) -> list[CatalogueEntry]:
    """All classified fields of all installed models, unclassified ones omitted."""
    result = []
    for model in iter_models(app_configs):
        if model._meta.proxy:
            continue
        for f in _model_fields(model):
            c = classification_of(model, f)
            if c is not None:
                result.append(CatalogueEntry(model, f.name, c, f.get_internal_type()))
    return result


def personal_fields(model: type[models.Model]) -> list[CatalogueEntry]:
    """The personal-data fields of one model."""
    return [
        CatalogueEntry(model, f.name, c, f.get_internal_type())
        for f in _model_fields(model)
        if (c := classification_of(model, f)) is not None and c.personal
    ]


def subject_fields(model: type[models.Model]) -> list[CatalogueEntry]:
    """The personal-data fields of a data subject (staff data left out: it
    has its own notice and its own rules) of one model."""
    return [e for e in personal_fields(model) if e.classification.subject != "staff"]  # type: ignore[union-attr]


# --------------------------------------------------------------------------
# Fides taxonomy
# --------------------------------------------------------------------------


@cache
def fides_keys() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Category, use and subject keys of the Fides default taxonomy."""
    from fideslang import DEFAULT_TAXONOMY

    return (
        frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
        frozenset(s.fides_key for s in DEFAULT_TAXONOMY.data_subject),
    )


# --------------------------------------------------------------------------
# The system check
# --------------------------------------------------------------------------


# Where a subject path may end: a Person (the person's own key) or an
# Organization, meaning the customer relationship's key: records shared by
# several people of one customer are keyed to it (docs/security.md).
SUBJECT_MODELS = ("registry.Person", "registry.Organization")

# Models that are data subjects' key owners of their own: a rights-request
# case seals its requester's contact details under the case's key, since the
# requester may not be in the register at all. Apps register their model in
# ``AppConfig.ready`` (core imports no app); ``subject="self"`` is then valid
# on it, and erasing the case means shredding that key.
_OWN_KEY_MODELS: set[str] = set()


def register_own_key_model(label: str) -> None:
    """Allow ``subject="self"`` on ``label`` ("app_label.ModelName")."""
    _OWN_KEY_MODELS.add(label)


def own_key_models() -> frozenset[str]:
    return frozenset(_OWN_KEY_MODELS)


def subject_paths(subject: str) -> list[str]:
    """The alternatives of a ``subject`` (``"organization|person"`` gives
    both paths). Code that looks rows up by subject (export, erasure) must
    try each: a row belongs to the first one that is set."""
    return [p for p in subject.split("|") if p]


def _subject_reaches_person(model: type[models.Model], path: str) -> bool:
    """Follow a ``__``-separated foreign-key path; it must end at a Person
    or at an Organization (the relationship key). ``a|b`` lists alternatives,
    the first that is set on a row wins; each must lead to a subject."""
    if "|" in path:
        return all(_subject_reaches_person(model, p) for p in subject_paths(path))
    if path == "staff":
        # Staff accounts and what points at them: the subject is an employee.
        return True
    if path == "self":
        return (
            model._meta.label == "registry.Person"
            or model._meta.label in _OWN_KEY_MODELS
        )
    if path == "organization" and model._meta.label == "registry.Organization":
        # Sole-trader data belongs to the person behind the company.
        return True
    current = model
    for part in path.split("__"):
        try:
            f = current._meta.get_field(part)
        except Exception:
            return False
        if not f.is_relation or f.related_model is None or f.many_to_many:
            return False
        current = f.related_model
    return current._meta.label in SUBJECT_MODELS or current._meta.label in (
        _OWN_KEY_MODELS
    )


def check_model(model: type[models.Model]) -> list[checks.CheckMessage]:
    """Catalogue errors for one model (used by the check and its tests)."""
    errors: list[checks.CheckMessage] = []
    categories, uses, _subjects = fides_keys()
    valid_purposes = set(Purpose.values)
    for f in _model_fields(model):
        c = classification_of(model, f)
        where = f"{model._meta.label}.{f.name}"
        if c is None:
            errors.append(
                checks.Error(
                    f"Field {where} is not in the personal-data catalogue.",
                    hint=(
                        "Wrap it with personal(...) or not_personal(...) where "
                        "the model is defined (rekisteri.core.catalogue)."
                    ),
                    obj=model,
                    id="rekisteri.E001",
                )
            )
            continue
        if not c.personal:
            continue
        assert isinstance(c, PersonalData)
        if c.category not in categories:
            errors.append(
                checks.Error(
                    f"{where}: category {c.category!r} is not in the Fides taxonomy.",
                    obj=model,
                    id="rekisteri.E002",
                )
            )
        if not c.purposes:
            errors.append(
                checks.Error(
                    f"{where}: no purpose declared.", obj=model, id="rekisteri.E003"
                )
            )
        for p in c.purposes:
            if p not in valid_purposes or PURPOSE_FIDES_USE.get(p) not in uses:
                errors.append(
                    checks.Error(
                        f"{where}: unknown purpose {p!r}.",
                        obj=model,
                        id="rekisteri.E003",
                    )
                )
        if c.legal_basis not in LegalBasis.values:
            errors.append(
                checks.Error(
                    f"{where}: unknown legal basis {c.legal_basis!r}.",
                    obj=model,
                    id="rekisteri.E004",
                )
            )
        if c.retention not in RETENTION_RULES:
            errors.append(
                checks.Error(
                    f"{where}: unknown retention rule {c.retention!r}.",
                    obj=model,
                    id="rekisteri.E005",
                )
            )
        if c.erasure not in Erasure.values:
            errors.append(
                checks.Error(
                    f"{where}: unknown erasure {c.erasure!r}.",
                    obj=model,
                    id="rekisteri.E006",
                )
            )
        if c.key_class not in KeyClass.values:
            errors.append(
                checks.Error(
                    f"{where}: unknown key class {c.key_class!r}.",
                    obj=model,
                    id="rekisteri.E007",
                )
            )
        if not _subject_reaches_person(model, c.subject):
            errors.append(
                checks.Error(
                    f"{where}: subject path {c.subject!r} does not lead to a data "
                    "subject.",
                    obj=model,
                    id="rekisteri.E008",
                )
            )
        encrypted = any(
            k.__name__ == "SealedAttribute"
            for k in getattr(getattr(f, "descriptor_class", None), "__mro__", ())
        )
        if (c.erasure == Erasure.SHRED) != encrypted:
            errors.append(
                checks.Error(
                    f"{where}: erasure is {c.erasure!r} but the field is "
                    f"{'' if encrypted else 'not '}encrypted; shredded fields must "
                    "be EncryptedTextField and only they.",
                    obj=model,
                    id="rekisteri.E010",
                )
            )
        # Blind-index rows belong to a Person: an indexed field's subject is
        # the row itself or one foreign key. Other encrypted fields may follow
        # a path or list alternatives (their key owner is resolved per row).
        if (
            encrypted
            and getattr(f, "blind", None)
            and c.subject != "self"
            and ("__" in c.subject or "|" in c.subject)
        ):
            errors.append(
                checks.Error(
                    f"{where}: an encrypted field's subject must be 'self' or one "
                    "foreign key to the Person.",
                    obj=model,
                    id="rekisteri.E011",
                )
            )
        if c.when is not None:
            try:
                cond = model._meta.get_field(c.when)
            except Exception:
                cond = None
            if not isinstance(cond, models.BooleanField):
                errors.append(
                    checks.Error(
                        f"{where}: condition {c.when!r} is not a boolean field.",
                        obj=model,
                        id="rekisteri.E009",
                    )
                )
    return errors


@checks.register("catalogue")
def check_catalogue(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list:
    errors: list[checks.CheckMessage] = []
    for model in iter_models(app_configs):
        if model._meta.proxy:
            continue
        errors.extend(check_model(model))
    return errors
