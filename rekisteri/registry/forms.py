"""Forms of the staff UI.

The register's forms stand on the form kit of ``rekisteri.core.forms``
(``ServiceForm``, ``DateInput``, ``ListField``, ``apply_service_errors``):
forms only parse and shape input, the services decide what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.core.forms import DateInput, ListField, ServiceForm
from rekisteri.core.validation import BoundedDateField
from rekisteri.registry.choices import (
    Language,
    OrganizationStatus,
    RoleKind,
    SourceKind,
)
from rekisteri.registry.models import DataSource


def _text(label: str, **attrs: Any) -> forms.CharField:
    """An optional, unvalidated text input: the service decides what is valid."""
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs=attrs),
    )


# --------------------------------------------------------------------------
# Where typed values came from
# --------------------------------------------------------------------------

# Sources a staff member can name for what they type (the registries'
# values arrive through their importers, never through a form).
TYPED_SOURCE_KINDS = (
    SourceKind.DATA_SUBJECT,
    SourceKind.CUSTOMER_COMPANY,
    SourceKind.STAFF,
)


def typed_source_choices() -> list[tuple[str, str]]:
    """(code, label) of the active sources of typed values; the built-in
    ones by their translated kind."""
    choices = []
    for source in DataSource.objects.filter(
        is_active=True, kind__in=TYPED_SOURCE_KINDS
    ).order_by("kind", "name"):
        label = (
            SourceKind(source.kind).label if source.code == source.kind else source.name
        )
        choices.append((source.code, str(label)))
    return choices


def source_field() -> forms.ChoiceField:
    """*Where the values came from*: the person themselves, the customer
    company, our staff (or another active source of typed values); its
    choices are read when the form is made (:class:`SourceChoice`)."""
    return forms.ChoiceField(
        label=_("Where the values came from"),
        required=False,
        help_text=_(
            "Recorded as the source of the values you add or change on this page."
        ),
    )


class SourceChoice:
    """A form with a ``source`` field (:func:`source_field`): its choices
    are the sources of typed values, staff the default; ``service_fields``
    passes the choice on as the services' ``source`` (the provenance of
    what the form writes, docs/architecture.md, Provenance)."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _source_choices(self) -> None:
        if "source" in self.fields:
            self.fields["source"].choices = typed_source_choices()  # type: ignore[attr-defined]
            self.fields["source"].initial = "staff"

    def chosen_source(self) -> str:
        return self.cleaned_data.get("source") or "staff"

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for the form's services (the source defaults
        to staff when none is chosen)."""
        data = dict(self.cleaned_data)
        if "source" in self.fields:
            data["source"] = self.chosen_source()
        return data


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------

ADDRESS_PARTS = ("street", "postal_code", "city", "country")


def _address_fields(prefix: str) -> dict[str, forms.Field]:
    p = f"{prefix}_" if prefix else ""
    return {
        f"{p}street": _text(_("Street address"), autocomplete="address-line1"),
        f"{p}postal_code": _text(
            _("Postal code"),
            autocomplete="postal-code",
            inputmode="text",
            size="8",
            maxlength="10",
        ),
        f"{p}city": _text(_("Post office"), autocomplete="address-level2"),
        f"{p}country": _country(),
    }


def _country() -> forms.CharField:
    """Country code input; a new address is Finnish unless changed."""
    field = _text(
        _("Country"),
        autocomplete="country",
        size="3",
        maxlength="2",
        **{"class": "input-country"},
    )
    field.initial = "FI"
    field.help_text = _("Two letters, for example FI.")
    return field


class OrganizationForm(SourceChoice, ServiceForm):
    """Name, identifiers, status and both addresses of an organization, and
    where the values typed came from."""

    name = _text(_("Name"), autocomplete="organization")
    business_id = _text(_("Business ID (Y-tunnus)"), inputmode="numeric", size="12")
    vat_number = _text(_("VAT number"), size="16")
    status = forms.ChoiceField(
        label=_("Status"), choices=OrganizationStatus.choices, required=False
    )
    sole_trader = forms.BooleanField(label=_("Sole trader"), required=False)
    no_marketing = forms.BooleanField(
        label=_("No direct marketing"),
        required=False,
        help_text=_("The company asked that its people get no direct marketing."),
    )
    source = source_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_address_fields("postal"))
        self.fields.update(_address_fields("visiting"))
        self._source_choices()
        self.fields["business_id"].help_text = _(
            "For example 1234567-8. The VAT number is derived from it when left empty."
        )
        self.fields["sole_trader"].help_text = _(
            "A sole trader's company name and address are the trader's personal data."
        )

    def address(self, prefix: str) -> list[forms.BoundField]:
        """The bound fields of one address block, in display order."""
        return [self[f"{prefix}_{part}"] for part in ADDRESS_PARTS]

    @classmethod
    def initial_for(cls, organization: Any) -> dict[str, Any]:
        names = ["name", "business_id", "vat_number", "status", "sole_trader"]
        names.append("no_marketing")
        names += [
            f"{p}_{part}" for p in ("postal", "visiting") for part in ADDRESS_PARTS
        ]
        initial = {name: getattr(organization, name) for name in names}
        initial["business_id"] = initial["business_id"] or ""
        return initial


# --------------------------------------------------------------------------
# Persons and roles
# --------------------------------------------------------------------------


class PersonForm(SourceChoice, ServiceForm):
    """Names, language, address, the repeated email and phone inputs, and
    where the values typed came from."""

    first_name = _text(_("First name"), autocomplete="off")
    last_name = _text(_("Last name"), autocomplete="off")
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, required=False
    )
    emails = ListField(label=_("Email addresses"), required=False)
    phones = ListField(label=_("Phone numbers"), required=False)
    source = source_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_address_fields(""))
        self._source_choices()

    def address(self) -> list[forms.BoundField]:
        return [self[part] for part in ADDRESS_PARTS]

    def repeated(self, name: str) -> list[str]:
        """Current values of a repeated input plus one empty slot for adding."""
        values = self[name].value() or []
        if isinstance(values, str):
            values = [values]
        values = [v for v in values if v]
        return [*values, ""]

    def email_inputs(self) -> list[tuple[int, str]]:
        return list(enumerate(self.repeated("emails"), start=1))

    def phone_inputs(self) -> list[tuple[int, str]]:
        return list(enumerate(self.repeated("phones"), start=1))


class RoleFieldsForm(SourceChoice, ServiceForm):
    """Kind, title and period of a role, and where they came from (left
    out where the page has one choice for all it saves: ``with_source``)."""

    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *RoleKind.choices],
        required=False,
    )
    title = _text(_("Title"), autocomplete="organization-title")
    start_date = BoundedDateField(
        label=_("Start date"), required=False, widget=DateInput()
    )
    end_date = BoundedDateField(label=_("End date"), required=False, widget=DateInput())
    source = source_field()

    def __init__(
        self,
        *args: Any,
        creating: bool = True,
        with_source: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            # Only a new role defaults its start to today; an edit keeps it.
            self.fields["start_date"].help_text = _("Today when left empty.")
        if with_source:
            self._source_choices()
        else:
            del self.fields["source"]

    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        data.pop("organization", None)
        return data


class RoleForm(RoleFieldsForm):
    """A new role: the organization is named by customer number or business ID.

    A drop-down of every organization would not scale; the text is resolved
    through the search selector in the view.
    """

    organization = _text(
        _("Organization (customer number or business ID)"), autocomplete="off"
    )

    field_order = ["organization", "kind", "title", "start_date", "end_date", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].help_text = _(
            "For example 10009 or 1234567-8. Use search to look the number up."
        )


# --------------------------------------------------------------------------
# Lists and search
# --------------------------------------------------------------------------


class OrganizationFilterForm(forms.Form):
    """List filters. Names are deliberately absent: a sole trader's name is
    personal data and the filters travel in the URL."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *OrganizationStatus.choices],
        required=False,
    )
    sole_trader = forms.ChoiceField(
        label=_("Type"),
        choices=[
            ("", _("All organizations")),
            ("0", _("Companies")),
            ("1", _("Sole traders")),
        ],
        required=False,
    )

    def selector_args(self) -> dict[str, Any]:
        """Filters for ``selectors.organization_list``; invalid values ignored."""
        if not self.is_valid():
            return {}
        args: dict[str, Any] = {}
        if self.cleaned_data["status"]:
            args["status"] = self.cleaned_data["status"]
        if self.cleaned_data["sole_trader"] in {"0", "1"}:
            args["sole_trader"] = self.cleaned_data["sole_trader"] == "1"
        return args

    def query_string(self) -> str:
        """The active filters as a query string (no personal data)."""
        if not self.is_valid():
            return ""
        parts = [
            f"{name}={self.cleaned_data[name]}"
            for name in ("status", "sole_trader")
            if self.cleaned_data[name]
        ]
        return "&".join(parts)


class SearchForm(forms.Form):
    """The global search box. Always sent by POST, never in a URL."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
