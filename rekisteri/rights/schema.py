"""The JSON Schema of the access export (Art. 15), published at
``/rights/schema/access-export.json`` and kept in
``docs/rights-export.schema.json`` (a test keeps the two equal)."""

from __future__ import annotations

from typing import Any

SCHEMA_ID = "https://rekisteri.invalid/schemas/access-export-1.json"

_NAMED = {
    "type": "object",
    "required": ["code", "label"],
    "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
    "additionalProperties": False,
}

_SOURCE = {
    "type": ["object", "null"],
    "required": ["source", "kind", "obtained_at", "import_batch"],
    "properties": {
        "source": {"type": "string"},
        "kind": {"type": "string"},
        "obtained_at": {"type": "string", "format": "date-time"},
        "import_batch": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}

_COMPLAINT = {
    "type": "object",
    "required": ["authority", "url", "article"],
    "properties": {
        "authority": {"type": "string", "minLength": 1},
        "url": {"type": "string", "minLength": 1},
        "article": {"type": "string"},
    },
    "additionalProperties": False,
}

_VALUE = {
    "type": "object",
    "required": ["field", "label", "value", "category", "family", "source"],
    "properties": {
        "field": {"type": "string"},
        "label": {"type": "string"},
        "value": {},
        "display": {"type": "string"},
        "erased": {"type": "boolean"},
        "category": {"type": "string"},
        "family": {"type": "string"},
        "source": _SOURCE,
    },
    "additionalProperties": False,
}

_INFO = {
    "type": "object",
    "description": "GDPR Art. 15(1)(a)-(h) for the item",
    "required": [
        "purposes",
        "legal_bases",
        "categories",
        "recipients",
        "transfers",
        "retention",
        "sources",
        "rights",
        "complaint",
        "automated_decisions",
    ],
    "properties": {
        "purposes": {"type": "array", "minItems": 1, "items": _NAMED},
        "legal_bases": {"type": "array", "minItems": 1, "items": _NAMED},
        "categories": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "family", "family_label"],
                "properties": {
                    "code": {"type": "string"},
                    "family": {"type": "string"},
                    "family_label": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "recipients": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "role", "service", "country"],
                "properties": {
                    "name": {"type": "string"},
                    "role": {"type": "string"},
                    "service": {"type": "string"},
                    "country": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "transfers": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["recipient", "country", "safeguard"],
                "properties": {
                    "recipient": {"type": "string"},
                    "country": {"type": "string"},
                    "safeguard": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "retention": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["rule", "description", "until"],
                "properties": {
                    "rule": {"type": "string"},
                    "description": {"type": "string"},
                    "until": {"type": ["string", "null"], "format": "date"},
                },
                "additionalProperties": False,
            },
        },
        "sources": {"type": "array", "items": _SOURCE},
        "rights": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["article", "right"],
                "properties": {
                    "article": {"type": "string"},
                    "right": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "complaint": _COMPLAINT,
        "automated_decisions": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}

EXPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Rekisteri access export (GDPR Art. 15)",
    "type": "object",
    "required": [
        "format",
        "version",
        "schema",
        "generated_at",
        "language",
        "controller",
        "confirmation",
        "erasure",
        "items",
        "complaint",
        "automated_decisions",
    ],
    "properties": {
        "format": {"const": "rekisteri.access-export"},
        "version": {"const": 1},
        "schema": {"type": "string"},
        "generated_at": {"type": "string", "format": "date-time"},
        "language": {"enum": ["fi", "sv", "en"]},
        "controller": {
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
        "confirmation": {
            "type": "object",
            "description": "Art. 15(1): whether personal data is processed",
            "required": ["processed", "person", "statement", "item_count"],
            "properties": {
                "processed": {"type": "boolean"},
                "person": {"type": "string", "format": "uuid"},
                "statement": {"type": "string", "minLength": 1},
                "item_count": {"type": "integer", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "erasure": {
            "type": ["object", "null"],
            "required": ["erased", "executed_at", "receipt", "kept"],
            "properties": {
                "erased": {"const": True},
                "executed_at": {"type": ["string", "null"]},
                "receipt": {"type": ["string", "null"]},
                "kept": {"type": "array", "items": {"type": "object"}},
            },
            "additionalProperties": False,
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["model", "title", "id", "values", "context", "info"],
                "properties": {
                    "model": {"type": "string", "pattern": r"^\w+\.\w+$"},
                    "title": {"type": "string"},
                    "id": {"type": "string"},
                    "values": {"type": "array", "minItems": 1, "items": _VALUE},
                    "context": {"type": "object"},
                    "info": _INFO,
                },
                "additionalProperties": False,
            },
        },
        "complaint": _COMPLAINT,
        "automated_decisions": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}
