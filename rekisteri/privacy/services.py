"""Writes of the privacy office: profile, notices, parties, paper, breaches.

Every function is keyword-only, takes the acting staff user, validates
everything before writing, writes in one transaction and records an audit
event (field names, never values). Errors carry codes; messages never echo a
submitted value (a country code in the transfer rule is not personal data
and is named, as the rule requires).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.audit.services import audit_record
from rekisteri.core import formats
from rekisteri.core.catalogue import RETENTION_RULES, Purpose
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.privacy import completeness, notice
from rekisteri.privacy.choices import (
    DestructionMethod,
    PartyRole,
    TransferMechanism,
)
from rekisteri.privacy.eea import transfer_problem
from rekisteri.privacy.facts import (
    PURPOSE_TEXT_PREFIX,
    TEXT_KEYS,
    system_facts,
)
from rekisteri.privacy.fixtures import SEED_CONTROLLER, SEED_TEXTS
from rekisteri.privacy.models import (
    ControllerProfile,
    ManualRecord,
    NoticeVersion,
    Party,
)
from rekisteri.privacy.validation import (
    categories,
    clean,
    date_order,
    email,
    long_text,
    optional_phone,
    short,
)

PROFILE_ID = 1
LANGUAGES = ("fi", "sv", "en")


def audited_update(
    obj: Any,
    cleaned: dict[str, Any],
    *,
    actor: Any,
    action: str,
    request: Any = None,
    also_changed: tuple[str, ...] = (),
) -> None:
    """Assign ``cleaned`` to the locked ``obj``, save it and record the names
    of the fields that changed (never their values)."""
    changed = [k for k, v in cleaned.items() if getattr(obj, k, None) != v]
    for k, v in cleaned.items():
        setattr(obj, k, v)
    obj.save()
    audit_record(
        actor=actor,
        action=action,
        target_type=obj._meta.label,
        target_id=obj.pk,
        fields=[*changed, *also_changed],
        purpose="accountability",
        request=request,
    )


# --------------------------------------------------------------------------
# Controller profile
# --------------------------------------------------------------------------

PROFILE_FIELDS = (
    "controller_name",
    "business_id",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "email",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_email",
    "dpo_name",
    "dpo_phone",
    "dpo_email",
    "review_interval_months",
)


def _clean_profile(data: dict[str, Any]) -> dict[str, Any]:
    e = FieldErrors()
    out: dict[str, Any] = {}
    out["controller_name"] = short(
        e, "controller_name", data.get("controller_name"), required=True
    )
    bid = (data.get("business_id") or "").strip()
    out["business_id"] = (
        clean(e, "business_id", formats.normalise_business_id, bid) if bid else ""
    )
    out["country"] = clean(
        e, "country", formats.normalise_country, data.get("country") or "FI"
    )
    out["street"] = short(e, "street", data.get("street"), required=True)
    postal = (data.get("postal_code") or "").strip()
    if not postal:
        e.add("postal_code", "required", _("This field is required."))
    elif "country" not in e.fields:
        postal = clean(
            e, "postal_code", formats.normalise_postal_code, postal, out["country"]
        )
    out["postal_code"] = postal
    out["city"] = short(e, "city", data.get("city"), max_length=100, required=True)
    out["phone"] = optional_phone(e, "phone", data.get("phone"))
    out["email"] = email(e, "email", data.get("email"), required=True)
    out["contact_name"] = short(
        e, "contact_name", data.get("contact_name"), required=True
    )
    out["contact_title"] = short(e, "contact_title", data.get("contact_title"))
    out["contact_phone"] = optional_phone(e, "contact_phone", data.get("contact_phone"))
    out["contact_email"] = email(
        e, "contact_email", data.get("contact_email"), required=True
    )
    out["dpo_name"] = short(e, "dpo_name", data.get("dpo_name"))
    out["dpo_phone"] = optional_phone(e, "dpo_phone", data.get("dpo_phone"))
    out["dpo_email"] = email(e, "dpo_email", data.get("dpo_email"), required=False)
    if out["dpo_name"] and not (out["dpo_phone"] or out["dpo_email"]):
        e.add(
            "dpo_email",
            "dpo_contact_required",
            _("Give the data protection officer's email or phone."),
        )
    months = data.get("review_interval_months", 12)
    try:
        months = int(months)
        if not 1 <= months <= 36:
            raise ValueError
    except (TypeError, ValueError):
        e.add(
            "review_interval_months",
            "interval_invalid",
            _("Enter a number of months from 1 to 36."),
        )
    out["review_interval_months"] = months
    e.raise_if_any()
    return out


def _clean_links(errors: FieldErrors, links: Any) -> list[dict[str, str]]:
    result = []
    for link in links or []:
        lbl = formats.clean_text(str(link.get("label", "")), max_length=200)
        url = str(link.get("url", "")).strip()
        if not lbl or not re.fullmatch(r"https?://[^\s<>\"']{3,500}", url):
            errors.add(
                "authority_links",
                "link_invalid",
                _("Each link needs a label and an address starting with https://."),
            )
            return []
        result.append({"label": lbl, "url": url})
    return result


def profile_update(
    *,
    actor: Any,
    data: dict[str, Any],
    authority_links: list[dict[str, str]] | None = None,
    request: Any = None,
) -> ControllerProfile:
    """Create or change the controller profile's contact facts and links."""
    cleaned = _clean_profile(data)
    e = FieldErrors()
    links = _clean_links(e, authority_links) if authority_links is not None else None
    e.raise_if_any()
    with transaction.atomic():
        profile = (
            ControllerProfile.objects.select_for_update().filter(pk=PROFILE_ID).first()
        )
        if profile is None:
            profile = ControllerProfile(pk=PROFILE_ID)
        links_changed: tuple[str, ...] = ()
        if links is not None and links != profile.authority_links:
            profile.authority_links = links
            links_changed = ("authority_links",)
        audited_update(
            profile,
            cleaned,
            actor=actor,
            action="controller_profile.update",
            request=request,
            also_changed=links_changed,
        )
    return profile


def text_keys() -> list[str]:
    """The profile's text keys: the fixed ones and one per purpose."""
    return list(TEXT_KEYS) + [PURPOSE_TEXT_PREFIX + p for p in Purpose.values]


def profile_texts_update(
    *,
    actor: Any,
    language: str,
    texts: dict[str, str],
    request: Any = None,
) -> ControllerProfile:
    """Replace the notice texts of one language."""
    if language not in LANGUAGES:
        raise ValidationFailed.single(
            "language", "language_unknown", _("Unknown notice language.")
        )
    allowed = set(text_keys())
    e = FieldErrors()
    cleaned = {}
    for key, value in texts.items():
        if key not in allowed:
            e.add(key, "text_unknown", _("Unknown text."))
            continue
        text = long_text(e, key, value)
        if text:
            cleaned[key] = text
    e.raise_if_any()
    with transaction.atomic():
        profile = (
            ControllerProfile.objects.select_for_update().filter(pk=PROFILE_ID).first()
        )
        if profile is None:
            raise NotFound(_("Fill in the controller's details first."))
        old = dict((profile.texts or {}).get(language, {}))
        changed = sorted(k for k in allowed if old.get(k, "") != cleaned.get(k, ""))
        profile.texts = {**(profile.texts or {}), language: cleaned}
        profile.save(update_fields=["texts", "updated_at"])
        audit_record(
            actor=actor,
            action="controller_profile.texts_update",
            target_type="privacy.ControllerProfile",
            target_id=profile.pk,
            fields=[f"texts.{language}.{k}" for k in changed],
            purpose="accountability",
            details={"language": language},
            request=request,
        )
    return profile


def profile_load_seed(*, actor: Any, request: Any = None) -> ControllerProfile:
    """Load the seed notice's controller (rekisteri.privacy.fixtures)."""
    data = {k: v for k, v in SEED_CONTROLLER.items() if k != "authority_links"}
    with transaction.atomic():
        profile_update(
            actor=actor,
            data=data,
            authority_links=SEED_CONTROLLER["authority_links"],
            request=request,
        )
        for language, texts in SEED_TEXTS.items():
            profile = profile_texts_update(
                actor=actor, language=language, texts=texts, request=request
            )
    return profile


def notice_item_waive(
    *, actor: Any, item: str, reason: str, request: Any = None
) -> ControllerProfile:
    """Record why a completeness item does not apply ("" withdraws the record)."""
    if item not in completeness.ITEM_IDS:
        raise ValidationFailed.single("item", "item_unknown", _("Unknown item."))
    e = FieldErrors()
    text = long_text(e, "reason", reason)
    e.raise_if_any()
    with transaction.atomic():
        profile = (
            ControllerProfile.objects.select_for_update().filter(pk=PROFILE_ID).first()
        )
        if profile is None:
            raise NotFound(_("Fill in the controller's details first."))
        waivers = dict(profile.waivers or {})
        if text:
            waivers[item] = text
        else:
            waivers.pop(item, None)
        profile.waivers = waivers
        profile.save(update_fields=["waivers", "updated_at"])
        audit_record(
            actor=actor,
            action="notice.waive" if text else "notice.waive_withdraw",
            target_type="privacy.ControllerProfile",
            target_id=profile.pk,
            fields=["waivers"],
            purpose="accountability",
            details={"item": item},
            request=request,
        )
    return profile


# --------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------


def digest_of(markdown: dict[str, str]) -> str:
    """SHA-256 over the texts of all languages (canonical JSON)."""
    canonical = json.dumps(markdown, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def notice_publish(
    *, actor: Any, now: dt.datetime | None = None, request: Any = None
) -> NoticeVersion:
    """Publish the notice as the system stands: all three languages, or nothing.

    Refused (code ``notice_incomplete``, naming the items) while the
    completeness check reports a missing item the privacy officer has not
    recorded as not applicable.
    """
    now = now or timezone.now()
    with transaction.atomic():
        profile = (
            ControllerProfile.objects.select_for_update().filter(pk=PROFILE_ID).first()
        )
        if profile is None:
            raise NotFound(_("Fill in the controller's details first."))
        facts = system_facts(profile)
        report = completeness.check(facts, profile.waivers)
        if not report.publishable:
            raise ValidationFailed(
                {
                    "notice": [
                        (
                            "notice_incomplete",
                            _("The notice lacks: %(items)s")
                            % {"items": "; ".join(r.title for r in report.missing)},
                        )
                    ]
                }
            )
        number = (NoticeVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        markdown, html = {}, {}
        for language in LANGUAGES:
            doc = notice.build(facts, language, version=number, published_at=now)
            markdown[language] = notice.to_markdown(doc)
            html[language] = notice.to_html(doc)
        version = NoticeVersion(
            number=number,
            published_at=now,
            published_by=actor if getattr(actor, "pk", None) else None,
            markdown=markdown,
            html=html,
            digest=digest_of(markdown),
            facts=facts.as_dict(),
            report=report.as_list(),
            waivers=dict(profile.waivers or {}),
        )
        version.save(force_insert=True)
        audit_record(
            actor=actor,
            action="notice.publish",
            target_type="privacy.NoticeVersion",
            target_id=version.pk,
            purpose="accountability",
            details={"number": number, "digest": version.digest},
            request=request,
        )
    return version


# --------------------------------------------------------------------------
# Processors and recipients
# --------------------------------------------------------------------------


def _clean_party(data: dict[str, Any]) -> dict[str, Any]:
    e = FieldErrors()
    out: dict[str, Any] = {
        "name": short(e, "name", data.get("name"), required=True),
        "service": short(
            e, "service", data.get("service"), max_length=300, required=True
        ),
        "guarantees": long_text(e, "guarantees", data.get("guarantees")),
    }
    role = data.get("role")
    if role not in PartyRole.values:
        e.add("role", "role_unknown", _("Choose a role."))
    out["role"] = role
    mechanism = data.get("transfer_mechanism") or TransferMechanism.NONE
    if mechanism not in TransferMechanism.values:
        e.add("transfer_mechanism", "mechanism_unknown", _("Choose a mechanism."))
    out["transfer_mechanism"] = mechanism
    country = clean(e, "country", formats.normalise_country, data.get("country") or "")
    out["country"] = country
    if "country" not in e.fields and "transfer_mechanism" not in e.fields:
        problem = transfer_problem(country, mechanism)
        if problem:
            e.add("country", "transfer_outside_eea", problem)
    out["data_categories"] = categories(
        e, "data_categories", data.get("data_categories")
    )
    if not out["data_categories"]:
        e.add("data_categories", "required", _("Choose at least one data category."))
    out["agreement_date"] = data.get("agreement_date")
    out["next_review_on"] = data.get("next_review_on")
    date_order(
        e,
        "next_review_on",
        out["agreement_date"],
        out["next_review_on"],
        _("The next review cannot be before the agreement date."),
    )
    if out["role"] == PartyRole.PROCESSOR and not out["agreement_date"]:
        e.add(
            "agreement_date",
            "agreement_required",
            _("A processor needs a written agreement (Art. 28(3)): give its date."),
        )
    out["is_active"] = bool(data.get("is_active", True))
    e.raise_if_any()
    return out


def party_create(*, actor: Any, data: dict[str, Any], request: Any = None) -> Party:
    """Register a processor, recipient or joint controller."""
    cleaned = _clean_party(data)
    with transaction.atomic():
        party = Party.objects.create(**cleaned)
        audit_record(
            actor=actor,
            action="party.create",
            target_type="privacy.Party",
            target_id=party.pk,
            fields=sorted(cleaned),
            purpose="accountability",
            request=request,
        )
    return party


def party_update(
    *, actor: Any, party: Party, data: dict[str, Any], request: Any = None
) -> Party:
    cleaned = _clean_party(data)
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        audited_update(
            party, cleaned, actor=actor, action="party.update", request=request
        )
    return party


# --------------------------------------------------------------------------
# Manual (paper) records
# --------------------------------------------------------------------------


MANUAL_RECORD_FIELDS = (
    "title",
    "description",
    "location",
    "retention_rule",
    "created_on",
    "destroy_by",
)


def _clean_manual_record(data: dict[str, Any]) -> dict[str, Any]:
    e = FieldErrors()
    out = {
        "title": short(e, "title", data.get("title"), required=True),
        "description": long_text(e, "description", data.get("description")),
        "location": short(e, "location", data.get("location"), required=True),
        "retention_rule": data.get("retention_rule"),
        "created_on": data.get("created_on"),
        "destroy_by": data.get("destroy_by"),
    }
    if out["retention_rule"] not in RETENTION_RULES:
        e.add("retention_rule", "rule_unknown", _("Choose a retention rule."))
    for name in ("created_on", "destroy_by"):
        if out[name] is None:
            e.add(name, "required", _("This field is required."))
    date_order(
        e,
        "destroy_by",
        out["created_on"],
        out["destroy_by"],
        _("The destruction date cannot be before the material was created."),
    )
    e.raise_if_any()
    return out


def manual_record_create(
    *, actor: Any, data: dict[str, Any], request: Any = None
) -> ManualRecord:
    """Register paper material with where it is kept and when it must go."""
    cleaned = _clean_manual_record(data)
    with transaction.atomic():
        record = ManualRecord.objects.create(
            **cleaned, recorded_by=actor if getattr(actor, "pk", None) else None
        )
        audit_record(
            actor=actor,
            action="manual_record.create",
            target_type="privacy.ManualRecord",
            target_id=record.pk,
            fields=list(MANUAL_RECORD_FIELDS),
            purpose="accountability",
            request=request,
        )
    return record


def manual_record_update(
    *, actor: Any, record: ManualRecord, data: dict[str, Any], request: Any = None
) -> ManualRecord:
    """Change paper material's details (it moved, its rule was corrected).

    Refused once its destruction is logged: the record of what was destroyed
    stays as it was.
    """
    cleaned = _clean_manual_record(data)
    with transaction.atomic():
        record = ManualRecord.objects.select_for_update().get(pk=record.pk)
        if record.destroyed_on is not None:
            raise Conflict(
                _("The material has been destroyed; its record is closed."),
                code="already_destroyed",
            )
        audited_update(
            record, cleaned, actor=actor, action="manual_record.update", request=request
        )
    return record


def manual_record_destroy(
    *,
    actor: Any,
    record: ManualRecord,
    destroyed_on: dt.date | None,
    method: str,
    destroyed_by: Any,
    request: Any = None,
) -> ManualRecord:
    """Log the destruction of paper material: date, method and who did it."""
    e = FieldErrors()
    if destroyed_on is None:
        e.add("destroyed_on", "required", _("This field is required."))
    elif destroyed_on < record.created_on:
        e.add(
            "destroyed_on",
            "date_order",
            _("The destruction date cannot be before the material was created."),
        )
    elif destroyed_on > timezone.localdate():
        e.add(
            "destroyed_on",
            "date_future",
            _("Destruction is logged after it is done, not in advance."),
        )
    if method not in DestructionMethod.values:
        e.add("destruction_method", "method_unknown", _("Choose a method."))
    if destroyed_by is None or not getattr(destroyed_by, "pk", None):
        e.add("destroyed_by", "required", _("Say who destroyed the material."))
    e.raise_if_any()
    with transaction.atomic():
        record = ManualRecord.objects.select_for_update().get(pk=record.pk)
        if record.destroyed_on is not None:
            raise Conflict(
                _("The destruction of this material is already logged."),
                code="already_destroyed",
            )
        record.destroyed_on = destroyed_on
        record.destruction_method = method
        record.destroyed_by = destroyed_by
        record.save()
        audit_record(
            actor=actor,
            action="manual_record.destroy",
            target_type="privacy.ManualRecord",
            target_id=record.pk,
            fields=["destroyed_on", "destruction_method", "destroyed_by"],
            purpose="accountability",
            request=request,
        )
    return record
