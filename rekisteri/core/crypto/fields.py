"""Encrypted model fields that read and write plaintext.

A field whose catalogue erasure is ``shred`` is declared with
:class:`EncryptedTextField` (or one of its typed variants). Services, selectors,
forms and API schemas see ``str`` values; the database sees versioned AES-GCM
envelopes bound to table, column, row and key class, sealed under the data key
of the row's subject (catalogue ``subject``) for the field's key class.

* Reading decrypts lazily on first attribute access and caches the plaintext
  on the instance. A value whose key was shredded reads as :class:`Placeholder`
  ("erased"); a value that fails authentication reads as an "unreadable"
  placeholder and logs an integrity error naming the place, never the value.
* Writing encrypts in ``pre_save`` (also for ``bulk_create``). An unchanged
  value keeps its ciphertext. Plaintext can never reach the column any other
  way: ``QuerySet.update(field=…)`` and lookups on the field are refused.
* Blind indexes (``blind="exact"`` or ``"name"``) are maintained by
  :mod:`rekisteri.core.blindindex` after each save and removed on delete.
"""

from __future__ import annotations

import logging
import uuid
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import models
from django.utils.translation import gettext

from rekisteri.core import keyring
from rekisteri.core.crypto.envelope import (
    IntegrityError,
    Place,
    aad_of,
    column_aad,
    data_cipher,
    key_version_of,
    open_at,
    row_aad,
    seal_at,
    seal_bytes_with,
)

log = logging.getLogger("rekisteri.crypto")


class Sealed(bytes):
    """Ciphertext as stored; never shown, never compared to plaintext."""

    def __repr__(self) -> str:
        return f"<Sealed {len(self)} bytes>"


class Placeholder(str):
    """What a value reads as when it cannot be shown.

    ``reason`` is ``"erased"`` (the key was shredded) or ``"unreadable"``
    (integrity check failed). The text is translated when it is created.
    """

    reason: str

    def __new__(cls, reason: str) -> Placeholder:
        text = gettext("[erased]") if reason == "erased" else gettext("[unreadable]")
        obj = super().__new__(cls, text)
        obj.reason = reason
        return obj

    @property
    def is_erased(self) -> bool:
        return self.reason == "erased"


class PlaintextRefused(TypeError):
    """Plaintext was about to be written or compared without its row."""


class _PlaceOf:
    """A column's place for a row, formatted as :class:`Place` is, made
    only when an opening fails and its error names the place."""

    __slots__ = ("field", "row_id")

    def __init__(self, field: EncryptedTextField, row_id: str) -> None:
        self.field = field
        self.row_id = row_id

    def __str__(self) -> str:
        return str(self.field.place_of(self.row_id))


class SealedAttribute:
    """Data descriptor: stores what the ORM loads, decrypts on access."""

    def __init__(self, field: EncryptedTextField) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        attname = self.field.attname
        data = instance.__dict__
        if attname not in data:
            instance.refresh_from_db(fields=[attname])
        value = data.get(attname)
        if isinstance(value, Sealed):
            plain = self.field.decrypt(instance, value)
            data[attname] = plain
            data.setdefault("_sealed_loaded", {})[attname] = (value, plain)
            return plain
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        if isinstance(value, memoryview | bytearray):
            value = Sealed(bytes(value))
        elif isinstance(value, bytes) and not isinstance(value, Sealed):
            value = Sealed(value)
        data = instance.__dict__
        if isinstance(value, Sealed):
            data.setdefault("_sealed_loaded", {})[self.field.attname] = (value, None)
        data[self.field.attname] = value


def resolve_subject(instance: Any, subject: str) -> Any:
    """The key owner's id for ``instance`` under a catalogue ``subject`` path.

    ``"self"`` is the row's own id; ``"person"`` a foreign key's id;
    ``"message__organization"`` follows foreign keys (cached relations are
    used, so a row loaded with its parent costs no query). A path may end at
    a Person (that person's key) or at an Organization (the relationship's
    key, for records shared by several people of one customer, docs/security.md).
    Alternatives separated by ``|`` are tried in order and the first that is
    set wins: ``"organization|person"`` keys a message to its organization,
    or to its one person when it has no organization. None if none is set.
    """
    own = getattr(getattr(instance, "_meta", None), "model_name", None)
    for path in subject.split("|"):
        if path == "self" or path == own:
            # "organization" on an Organization: the row is its own subject.
            value = instance.pk
        else:
            *hops, last = path.split("__")
            obj = instance
            for hop in hops:
                obj = getattr(obj, hop)
                if obj is None:
                    break
            value = None if obj is None else getattr(obj, f"{last}_id")
        if value is not None:
            return value
    return None


class EncryptedTextField(models.BinaryField):
    """A text value stored encrypted; see the module docstring.

    ``blind`` is ``None``, ``"exact"`` (normalised whole value) or ``"name"``
    (tokens and prefixes for type-ahead).
    """

    descriptor_class = SealedAttribute

    def __init__(self, *args: Any, blind: str | None = None, **kwargs: Any) -> None:
        if blind not in (None, "exact", "name"):
            raise ValueError("blind must be None, 'exact' or 'name'")
        self.blind = blind
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple:
        name, path, args, kwargs = super().deconstruct()
        if self.blind:
            kwargs["blind"] = self.blind
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    # --- where the value lives --------------------------------------------------

    @property
    def classification(self) -> Any:
        return self.catalogue  # set by rekisteri.core.catalogue.personal()

    def subject_id(self, instance: Any) -> uuid.UUID:
        """The id whose data key seals this value (see :func:`resolve_subject`)."""
        value = resolve_subject(instance, self.classification.subject)
        if value is None:
            raise ValueError(f"{self.model._meta.label}.{self.name} has no subject yet")
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))

    def place(self, instance: Any) -> Place:
        return self.place_of(str(instance.pk))

    def place_of(self, row_id: str) -> Place:
        """Where a value of this column lives: table, column, row, key class
        (bound into the envelope, so a sealed value cannot be moved)."""
        return Place(
            self.model._meta.db_table,
            self.column,
            row_id,
            self.classification.key_class,
        )

    # --- crypto ----------------------------------------------------------------

    def decrypt(self, instance: Any, sealed: bytes) -> str:
        return self.open_value(self.subject_id(instance), str(instance.pk), sealed)

    def open_value(self, subject_id: uuid.UUID, row_id: str, sealed: Any) -> Any:
        """A value read without its model instance: ``sealed`` as loaded by
        ``values()`` / ``values_list()`` of row ``row_id`` whose key owner
        (:meth:`subject_id`) is ``subject_id``. The plaintext, a
        :class:`Placeholder` exactly as the attribute would read, or None.
        For readers of many rows that need no instances (the access export
        of a message history)."""
        if sealed is None:
            return None
        key_class = self.classification.key_class
        try:
            version = key_version_of(sealed)
            key = keyring.key_for_version(subject_id, key_class, version)
            # The place's associated data from this column's fixed part and
            # the row (aad_of); a Place is made only to name a failure.
            aad = row_aad(self._column_aad, row_id, key_class)
            return self._decoded(open_at(key, aad, sealed, _PlaceOf(self, row_id)))
        except keyring.KeyDestroyed:
            return Placeholder("erased")
        except IntegrityError as exc:
            log.error("integrity error: %s", exc)
            return Placeholder("unreadable")

    @cached_property
    def _column_aad(self) -> bytes:
        return column_aad(self.model._meta.db_table, self.column)

    def _decoded(self, data: bytes) -> Any:
        return data.decode("utf-8")

    def encrypt(self, instance: Any, plaintext: str) -> Sealed:
        version, key = keyring.current_key(
            self.subject_id(instance), self.classification.key_class
        )
        return self.seal_text(data_cipher(key), version, str(instance.pk), plaintext)

    def seal_text(
        self, cipher: AESGCM, version: int, row_id: str, plaintext: str
    ) -> Sealed:
        """``plaintext`` sealed for this column of row ``row_id`` under a data
        key (as a prepared cipher) of the given version: the one sealing path,
        for ``pre_save`` (through :meth:`encrypt`) and for bulk writers that
        make rows without model instances (the demo seeder, the register's
        bulk inserts). The same bytes as sealing for :meth:`place_of`,
        without making the :class:`Place`."""
        aad = aad_of(
            self.model._meta.db_table, self.column, row_id, self.catalogue.key_class
        )
        return Sealed(seal_at(cipher, version, aad, plaintext.encode("utf-8")))

    # --- ORM hooks -------------------------------------------------------------

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Sealed):
            return value
        loaded = model_instance.__dict__.get("_sealed_loaded", {}).get(self.attname)
        if loaded is not None and (
            isinstance(value, Placeholder) or value == loaded[1]
        ):
            return loaded[0]  # unchanged: keep the ciphertext
        if isinstance(value, Placeholder):
            raise PlaintextRefused(
                f"{self.model._meta.label}.{self.name}: a placeholder cannot be saved"
            )
        if not isinstance(value, str):
            value = str(value)
        return self.encrypt(model_instance, value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return Sealed(bytes(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return value
        raise PlaintextRefused(
            "encrypted fields cannot be compared or written without their row; "
            "use the blind-index selectors"
        )

    def get_db_prep_value(
        self, value: Any, connection: Any, prepared: bool = False
    ) -> Any:
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        return connection.Database.Binary(bytes(value))

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: Any) -> str:
        return str(getattr(obj, self.attname))

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return forms.CharField(**kwargs)


class SealedBinaryAttribute(SealedAttribute):
    """Like :class:`SealedAttribute`, but plaintext is ``bytes`` too.

    Only :class:`Sealed` values (what the ORM loads) count as ciphertext; any
    other bytes assigned by code are plaintext to encrypt on save.
    """

    def __set__(self, instance: Any, value: Any) -> None:
        if isinstance(value, memoryview | bytearray):
            value = bytes(value)
        data = instance.__dict__
        if isinstance(value, Sealed):
            data.setdefault("_sealed_loaded", {})[self.field.attname] = (value, None)
        data[self.field.attname] = value


class EncryptedBinaryField(EncryptedTextField):
    """Raw bytes (attachment content) stored encrypted like text values.

    Reading gives ``bytes``, or a :class:`Placeholder` (a ``str``) when the
    key was shredded or the value fails authentication. No blind index.
    """

    descriptor_class = SealedBinaryAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("blind"):
            raise ValueError("binary values have no blind index")
        super().__init__(*args, **kwargs)

    def _decoded(self, data: bytes) -> Any:
        return data

    def encrypt(self, instance: Any, plaintext: Any) -> Sealed:
        version, key = keyring.current_key(
            self.subject_id(instance), self.classification.key_class
        )
        data = plaintext if isinstance(plaintext, bytes) else str(plaintext).encode()
        return Sealed(seal_bytes_with(AESGCM(key), version, self.place(instance), data))

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Sealed):
            return value
        loaded = model_instance.__dict__.get("_sealed_loaded", {}).get(self.attname)
        if loaded is not None and (
            isinstance(value, Placeholder) or value == loaded[1]
        ):
            return loaded[0]  # unchanged: keep the ciphertext
        if isinstance(value, Placeholder):
            raise PlaintextRefused(
                f"{self.model._meta.label}.{self.name}: a placeholder cannot be saved"
            )
        return self.encrypt(model_instance, value)

    def value_to_string(self, obj: Any) -> str:
        return "<binary>"

    def formfield(self, **kwargs: Any) -> Any:
        return None
