"""The product catalogue: products and services a contract is for."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    NONE,
    write_service,
)
from rekisteri.audit.services import audit_record
from rekisteri.contracts.models import Product
from rekisteri.contracts.services.checks import (
    clean_plain_text,
)
from rekisteri.core.errors import FieldErrors, ValidationFailed

PRODUCT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,29}$")


@write_service(subject=NONE, reason="the product catalogue holds no personal data")
def product_create(
    *, actor: Any, code: str, name: str, description: str = "", is_active: bool = True
) -> Product:
    """Add a product or service to the catalogue contracts choose from."""
    errors = FieldErrors()
    code = (code or "").strip().upper()
    if not PRODUCT_CODE_RE.match(code):
        errors.add(
            "code",
            "code_invalid",
            _("Use 2–30 capital letters, digits, hyphens or underscores."),
        )
    elif Product.objects.filter(code=code).exists():
        errors.add("code", "code_taken", _("Another product already has this code."))
    name = clean_plain_text(errors, "name", name, 200)
    if not name and "name" not in errors.fields:
        errors.add("name", "required", _("This field is required."))
    description = clean_plain_text(errors, "description", description, 2000)
    errors.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                product = Product.objects.create(
                    code=code,
                    name=name,
                    description=description,
                    is_active=bool(is_active),
                )
        except IntegrityError:
            raise ValidationFailed.single(
                "code", "code_taken", _("Another product already has this code.")
            ) from None
        audit_record(
            actor=actor,
            action="product.create",
            target_type="product",
            target_id=product.pk,
            fields=["code", "name", "description", "is_active"],
        )
    return product


@write_service(subject=NONE, reason="the product catalogue holds no personal data")
def product_retire(*, actor: Any, product: Product) -> Product:
    """Stop offering a product; existing contracts keep it."""
    if product.is_active:
        with transaction.atomic():
            Product.objects.filter(pk=product.pk).update(is_active=False)
            product.is_active = False
            audit_record(
                actor=actor,
                action="product.retire",
                target_type="product",
                target_id=product.pk,
                fields=["is_active"],
            )
    return product
