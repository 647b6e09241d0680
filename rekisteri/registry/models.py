"""The customer register: organizations, persons, roles and provenance.

Rows that hold personal data use client-generated UUID primary keys, so the
encryption layer can bind ciphertext to its row before insert and URLs do not
enumerate the register. Every field is classified in the personal-data
catalogue right here (rekisteri.core.catalogue).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.blindindex import unique_digest_for
from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedTextField, Placeholder
from rekisteri.core.formats import email_key, search_key
from rekisteri.registry import sealing
from rekisteri.registry.choices import (
    Language,
    OrganizationStatus,
    PhoneKind,
    RegistrySituation,
    RoleKind,
    SourceKind,
)

# Contact data of a customer's people: kept for the relationship, shredded on
# erasure (docs/security.md, key class crm).
CONTACT = dict(
    purposes=(
        Purpose.CUSTOMER_RELATIONSHIP,
        Purpose.CUSTOMER_SERVICE,
        Purpose.INVOICING,
        Purpose.SALES,
    ),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.SHRED,
)
# Facts about a role that retention needs in the clear; deleted on erasure.
ROLE_ROW = {**CONTACT, "erasure": Erasure.DELETE}
# A sole trader's company data is the trader's personal data.
SOLE_TRADER = dict(
    purposes=(Purpose.CUSTOMER_RELATIONSHIP, Purpose.INVOICING, Purpose.SALES),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.PSEUDONYMISE,
    subject="organization",
    when="sole_trader",
)


class SearchKeyField(models.CharField):
    """A case-folded key compared by code point on every database.

    Prefix search is a range scan (``key >= 'vir' AND key < 'vis'``) on a
    b-tree index. That is exact only under binary ordering, which SQLite uses
    by default; on PostgreSQL the column gets the "C" collation.
    """

    def db_parameters(self, connection):  # type: ignore[override]
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class SealableSearchKeyField(sealing.SoleTraderMixin, SearchKeyField):
    """The name's search key; a sole trader's is its pseudonym's."""

    in_document = False

    def deconstruct(self) -> tuple:
        name, _path, args, kwargs = SearchKeyField.deconstruct(self)
        return name, "rekisteri.registry.models.SearchKeyField", args, kwargs


def _created() -> models.DateTimeField:
    return not_personal(models.DateTimeField(default=timezone.now, editable=False))


def _updated() -> models.DateTimeField:
    return not_personal(models.DateTimeField(auto_now=True))


def _provenance(related_name: str) -> models.ForeignKey:
    return not_personal(
        models.ForeignKey(
            "registry.Provenance",
            on_delete=models.PROTECT,
            related_name=related_name,
            null=True,
            blank=True,
        ),
        "where and when the value was obtained",
    )


class DataSource(models.Model):
    """A source of personal data: the person, their company, staff, a registry."""

    id = not_personal(models.BigAutoField(primary_key=True))
    code = not_personal(models.SlugField(max_length=40, unique=True))
    name = not_personal(models.CharField(_("name"), max_length=120))
    kind = not_personal(models.CharField(max_length=20, choices=SourceKind.choices))
    is_active = not_personal(models.BooleanField(default=True))

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One import run (a file, an API sync) that brought values in."""

    id = uuid_pk()
    source = not_personal(models.ForeignKey(DataSource, on_delete=models.PROTECT))
    description = not_personal(models.CharField(max_length=200, blank=True))
    started_at = _created()
    finished_at = not_personal(models.DateTimeField(null=True, blank=True))
    row_count = not_personal(models.PositiveIntegerField(default=0))
    created_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
        ),
        category="user.account",
        purposes=(Purpose.SECURITY,),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        retention="audit",
        erasure=Erasure.RETAIN,
        subject="staff",
    )

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class Provenance(models.Model):
    """Where a personal-data value came from, when, and in which batch.

    Values captured together (a form save, one import row) share one record;
    a value changed later points to a new one.
    """

    id = uuid_pk()
    source = not_personal(models.ForeignKey(DataSource, on_delete=models.PROTECT))
    obtained_at = not_personal(models.DateTimeField(default=timezone.now))
    import_batch = not_personal(
        models.ForeignKey(ImportBatch, on_delete=models.PROTECT, null=True, blank=True)
    )
    # When the source itself last changed the values (a registry's
    # ``lastModified``); empty for values typed by a person.
    source_modified_at = not_personal(models.DateTimeField(null=True, blank=True))
    recorded_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
        ),
        category="user.account",
        purposes=(Purpose.SECURITY,),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        retention="audit",
        erasure=Erasure.RETAIN,
        subject="staff",
    )

    def __str__(self) -> str:
        return f"{self.source} {self.obtained_at:%Y-%m-%d}"


def _address_fields(prefix: str, classification: dict) -> dict:
    """street/postal_code/city/country for an address, classified (a sole
    trader's sealed under its own key, registry/sealing.py)."""
    if classification["erasure"] == Erasure.SHRED:
        return _sealed_address_fields(prefix, classification)
    char = (
        sealing.SoleTraderCharField
        if classification.get("when") == "sole_trader"
        else models.CharField
    )
    p = f"{prefix}_" if prefix else ""
    return {
        f"{p}street": personal(
            char(_("street address"), max_length=200, blank=True),
            category="user.contact.address.street",
            **classification,
        ),
        f"{p}postal_code": personal(
            char(_("postal code"), max_length=10, blank=True),
            category="user.contact.address.postal_code",
            **classification,
        ),
        f"{p}city": personal(
            char(_("post office"), max_length=100, blank=True),
            category="user.contact.address.city",
            **classification,
        ),
        f"{p}country": personal(
            char(_("country"), max_length=2, default="FI"),
            category="user.contact.address.country",
            **classification,
        ),
    }


def _sealed_address_fields(prefix: str, classification: dict) -> dict:
    """An address stored encrypted (shredded with its subject's key)."""
    p = f"{prefix}_" if prefix else ""
    return {
        f"{p}{name}": personal(
            EncryptedTextField(label, null=True, blank=True),
            category=f"user.contact.address.{category}",
            **classification,
        )
        for name, label, category in (
            ("street", _("street address"), "street"),
            ("postal_code", _("postal code"), "postal_code"),
            ("city", _("post office"), "city"),
            ("country", _("country"), "country"),
        )
    }


class Organization(sealing.SealsSoleTrader):
    """A customer company (or prospect, or former customer); a sole trader's
    own data sealed (registry/sealing.py)."""

    id = uuid_pk()
    customer_number = personal(
        models.CharField(
            _("customer number"), max_length=20, unique=True, editable=False
        ),
        category="user.unique_id",
        **SOLE_TRADER,
    )
    name = personal(
        sealing.SoleTraderCharField(_("name"), max_length=200),
        category="user.name",
        **SOLE_TRADER,
    )
    name_key = personal(
        SealableSearchKeyField(max_length=200, editable=False),
        category="user.name",
        description="Case-folded name for search and ordering",
        **SOLE_TRADER,
    )
    business_id = personal(
        sealing.SoleTraderCharField(
            _("business ID"), max_length=9, unique=True, null=True, blank=True
        ),
        category="user.unique_id",
        **SOLE_TRADER,
    )
    vat_number = personal(
        sealing.SoleTraderCharField(_("VAT number"), max_length=16, blank=True),
        category="user.unique_id",
        **SOLE_TRADER,
    )
    status = not_personal(
        models.CharField(
            _("status"),
            max_length=16,
            choices=OrganizationStatus.choices,
            default=OrganizationStatus.PROSPECT,
        )
    )
    sole_trader = not_personal(models.BooleanField(_("sole trader"), default=False))
    # The company asked for no direct marketing to its people (docs/gdpr.md,
    # Art. 21): marketing selections leave all of them out.
    no_marketing = not_personal(
        models.BooleanField(_("no marketing"), default=False),
        "the company's own choice, not data about a person",
    )
    # The class namespace is a dict: the address helper adds classified fields.
    locals().update(_address_fields("postal", SOLE_TRADER))
    locals().update(_address_fields("visiting", SOLE_TRADER))
    # What a trade register (PRH / YTJ) says of the company. Set by the
    # registry connectors (docs/connectors.md), shown on the page, not typed.
    registered_names = personal(
        sealing.SoleTraderJSONField(_("registered names"), default=list, blank=True),
        category="user.name",
        description="Current and previous names with their types and versions",
        **SOLE_TRADER,
    )
    company_form = not_personal(
        models.CharField(_("company form"), max_length=8, blank=True),
        "code of the legal form",
    )
    company_form_name = not_personal(
        models.CharField(_("company form"), max_length=100, blank=True),
        "name of the legal form",
    )
    industry_code = personal(
        models.CharField(_("main business line"), max_length=10, blank=True),
        category="user.workplace",
        **SOLE_TRADER,
    )
    industry_code_set = not_personal(
        models.CharField(max_length=20, blank=True), "name of a public code set"
    )
    industry_name = personal(
        models.CharField(_("main business line"), max_length=250, blank=True),
        category="user.workplace",
        **SOLE_TRADER,
    )
    trade_register_status = personal(
        models.CharField(_("trade register status"), max_length=4, blank=True),
        category="user.workplace",
        **SOLE_TRADER,
    )
    registered_entries = personal(
        models.JSONField(_("registered entries"), default=list, blank=True),
        category="user.workplace",
        description="Registers the company is entered in, with dates",
        **SOLE_TRADER,
    )
    registry_situation = personal(
        models.CharField(
            _("registry situation"),
            max_length=16,
            choices=RegistrySituation.choices,
            default=RegistrySituation.ACTIVE,
            blank=True,
        ),
        category="user.financial",
        description="Dissolved, bankruptcy, liquidation or reorganisation",
        **SOLE_TRADER,
    )
    registry_end_date = personal(
        models.DateField(_("ended"), null=True, blank=True),
        category="user.workplace",
        **SOLE_TRADER,
    )
    registry_modified_at = not_personal(
        models.DateTimeField(null=True, blank=True),
        "when the trade register last changed the company",
    )
    registry_checked_at = not_personal(
        models.DateTimeField(null=True, blank=True),
        "when the register was last read",
    )
    # A sole trader's values above, sealed under the organization's own key
    # (registry/sealing.py); its columns hold stand-ins.
    sole_trader_sealed = personal(
        sealing.SealedValuesField(null=True, blank=True, editable=False),
        category="user.name",
        description="A sole trader's name, business ID, VAT number, addresses "
        "and registered names, sealed together",
        **{**SOLE_TRADER, "erasure": Erasure.SHRED},
    )
    business_id_digest = not_personal(
        sealing.BusinessIdDigestField(
            max_length=64, null=True, blank=True, unique=True, editable=False
        ),
        "keyed full-length HMAC of the business ID (lookup and uniqueness)",
    )
    provenance = _provenance("+")
    created_at = _created()
    updated_at = _updated()

    class Meta:
        ordering = ["name_key", "id"]
        indexes = [
            models.Index(fields=["name_key", "id"], name="org_name_keyset"),
            models.Index(fields=["status", "name_key", "id"], name="org_status_keyset"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_number})"

    @property
    def is_flagged(self) -> bool:
        """Dissolved or distressed according to the trade register."""
        return bool(self.registry_situation)


class OrganizationValueSource(models.Model):
    """Where one field of an organization came from, when that differs
    from the organization's own provenance record.

    Every write that sets a field records it here, so a value a person typed
    can be told from one a registry set (a registry never silently
    overwrites a typed value: it proposes a change for review instead).
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    organization = not_personal(
        models.ForeignKey(
            Organization,
            on_delete=models.CASCADE,
            related_name="value_sources",
            db_index=False,
        )
    )
    field = not_personal(models.CharField(max_length=40), "a field name")
    provenance = not_personal(
        models.ForeignKey(Provenance, on_delete=models.PROTECT, related_name="+"),
        "where and when the value was obtained",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "field"], name="one_source_per_org_field"
            )
        ]

    def __str__(self) -> str:
        return self.field


class Person(models.Model):
    """A natural person: contact person, support user, end user or billing contact."""

    id = uuid_pk()
    first_name = personal(
        EncryptedTextField(_("first name"), blind="name"),
        category="user.name.first",
        **CONTACT,
        subject="self",
    )
    last_name = personal(
        EncryptedTextField(_("last name"), blind="name"),
        category="user.name.last",
        **CONTACT,
        subject="self",
    )
    preferred_language = personal(
        EncryptedTextField(_("preferred language")),
        category="user.demographic.language",
        **CONTACT,
        subject="self",
    )
    locals().update(_address_fields("", {**CONTACT, "subject": "self"}))
    name_provenance = _provenance("+")
    address_provenance = _provenance("+")
    created_at = _created()
    updated_at = _updated()

    class Meta:
        # Names are encrypted, so the database cannot sort by them: lists
        # are newest first and finding by name goes through the blind index.
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="person_created")]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def sort_key(self) -> tuple[str, str]:
        return (search_key(self.last_name), search_key(self.first_name))

    def get_preferred_language_display(self) -> str:
        try:
            return str(Language(self.preferred_language).label)
        except ValueError:
            return str(self.preferred_language)


class PersonEmail(models.Model):
    """An email address of a person. An address belongs to one person only."""

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails"),
        "link to the data subject",
    )
    email = personal(
        EncryptedTextField(_("email"), blind="exact"),
        category="user.contact.email",
        **CONTACT,
    )
    # The database refuses a second row with the same address (two parallel
    # creates both pass the service's check). The full-length keyed digest,
    # not the truncated blind index, so distinct addresses never collide;
    # NULL once the person is erased.
    email_digest = not_personal(
        models.CharField(max_length=64, null=True, blank=True, editable=False),
        "keyed full-length HMAC of the normalised address (uniqueness only)",
    )
    is_primary = not_personal(models.BooleanField(default=False))
    provenance = _provenance("+")
    created_at = _created()

    class Meta:
        ordering = ["-is_primary", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email_digest"], name="person_email_unique_digest"
            )
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        if isinstance(self.email, str) and not isinstance(self.email, Placeholder):
            self.email_digest = email_digest(self.email)
        super().save(*args, **kwargs)


def email_digest(email: str) -> str:
    """The value of ``PersonEmail.email_digest`` for an address: the digest
    of its normal form (``core.formats.email_key``), so every spelling of
    one address gives one digest."""
    return unique_digest_for("registry.PersonEmail.email", email_key(email))


class PersonPhone(models.Model):
    """A phone number of a person, stored in E.164."""

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones"),
        "link to the data subject",
    )
    number = personal(
        EncryptedTextField(_("phone"), blind="exact"),
        category="user.contact.phone_number",
        **CONTACT,
    )
    kind = not_personal(
        models.CharField(
            max_length=8, choices=PhoneKind.choices, default=PhoneKind.MOBILE
        )
    )
    is_primary = not_personal(models.BooleanField(default=False))
    provenance = _provenance("+")
    created_at = _created()

    class Meta:
        ordering = ["-is_primary", "created_at"]

    def __str__(self) -> str:
        return self.number

    def get_kind_display(self) -> str:
        # As Django's, without rebuilding the field's choices (Role's).
        return str(_PHONE_KIND_LABELS.get(self.kind, self.kind))


class RoleQuerySet(models.QuerySet):
    def current(self, *, on: dt.date) -> RoleQuerySet:
        """Roles in force on ``on``: started on or before it, not ended
        before it (an open end is in force)."""
        return self.filter(start_date__lte=on).exclude(end_date__lt=on)

    def not_ended(self, *, on: dt.date) -> RoleQuerySet:
        """Roles not ended before ``on``, including those that start later."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


_ROLE_KIND_LABELS = dict(RoleKind.choices)
_PHONE_KIND_LABELS = dict(PhoneKind.choices)


class Role(models.Model):
    """A person's role at an organization, for a period."""

    objects = RoleQuerySet.as_manager()

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles"),
        "link to the data subject",
    )
    organization = not_personal(
        models.ForeignKey(
            Organization, on_delete=models.CASCADE, related_name="roles", db_index=False
        )
    )
    # Kind and dates drive retention (the relationship ends with the last
    # role), so they stay queryable; erasing the person deletes the row.
    kind = personal(
        models.CharField(_("role"), max_length=20, choices=RoleKind.choices),
        category="user.workplace",
        **ROLE_ROW,
    )
    title = personal(
        EncryptedTextField(_("title"), null=True, blank=True),
        category="user.job_title",
        **CONTACT,
    )
    start_date = personal(
        models.DateField(_("start date")),
        category="user.workplace",
        **ROLE_ROW,
    )
    end_date = personal(
        models.DateField(_("end date"), null=True, blank=True),
        category="user.workplace",
        **ROLE_ROW,
    )
    provenance = _provenance("+")
    created_at = _created()
    updated_at = _updated()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["organization", "kind", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="role_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "organization", "kind"],
                condition=Q(end_date__isnull=True),
                name="one_open_role_per_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "end_date"], name="role_org_open")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def get_kind_display(self) -> str:
        # As Django's, which rebuilds the field's choices on every call: the
        # person page names each role's kind three times.
        return str(_ROLE_KIND_LABELS.get(self.kind, self.kind))

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (
            self.end_date is None or self.end_date >= today
        )
