"""Personal data encrypted at rest (Fernet) and keyed hashes for looking it up.

``Encrypted`` is a column type: the database holds a Fernet token, Python code sees the clear text. The keys
come from the settings: ``LIANXIN_DATA_KEYS`` is a comma-separated list of Fernet keys, the first encrypts
and every one decrypts (so a key can be rotated: put the new key first, run ``lianxin care rotate-keys``,
then drop the old one). A key derived from ``LIANXIN_SECRET_KEY`` always decrypts too, last, so a deployment
that starts without ``LIANXIN_DATA_KEYS`` can add one later and rotate onto it.

A token is different every time, so equality lookups (the same ID number twice) go through ``lookup_hash``:
HMAC-SHA256 under a key derived from the secret key, never from the data keys, so rotating the data keys
does not touch the hashes.

``configure(settings)`` (called by ``lianxin.db.make_sessionmaker``) makes a settings object's keys the
active ones; before that, the process's ``get_settings()`` are used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from lianxin.config import Settings, get_settings

TOKEN_LENGTH = 255  # a Fernet token of up to ~120 bytes of clear text


@dataclass(frozen=True)
class Keyring:
    fernet: MultiFernet
    primary: Fernet
    hash_key: bytes

    def encrypt(self, value: str) -> str:
        return self.primary.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("无法解密：密钥不对 / cannot decrypt: no configured key fits") from None

    def rotate(self, token: str) -> str:
        """The same clear text under the primary key (a no-op in meaning; a new token)."""
        return self.fernet.rotate(token.encode()).decode()

    def hash(self, value: str, purpose: str = "") -> str:
        return hmac.new(self.hash_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def derived_key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"lianxin:{purpose}:{secret}".encode()).digest()


def parse_keys(text: str) -> list[Fernet]:
    keys = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            keys.append(Fernet(part.encode()))
        except (ValueError, TypeError):
            raise ValueError(
                "LIANXIN_DATA_KEYS 中有无效的密钥（应为 Fernet 密钥） / LIANXIN_DATA_KEYS holds an invalid Fernet key"
            ) from None
    return keys


@lru_cache(maxsize=16)
def _keyring(data_keys: str, secret: str) -> Keyring:
    fallback = Fernet(base64.urlsafe_b64encode(derived_key(secret, "data")))
    keys = [*parse_keys(data_keys), fallback]
    return Keyring(MultiFernet(keys), keys[0], derived_key(secret, "lookup"))


def keyring(settings: Settings) -> Keyring:
    return _keyring(settings.data_keys, settings.secret_key)


_active: Keyring | None = None


def configure(settings: Settings) -> Keyring:
    global _active
    _active = keyring(settings)
    return _active


def active() -> Keyring:
    return _active or configure(get_settings())


def lookup_hash(value: str | None, purpose: str) -> str | None:
    """The keyed hash an encrypted column is looked up by (None for None)."""
    return None if value is None else active().hash(value, purpose)


def new_key() -> str:
    return Fernet.generate_key().decode()


class Encrypted(TypeDecorator):
    """A string stored as a Fernet token under the active keyring."""

    impl = String(TOKEN_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        return None if value is None else active().encrypt(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else active().decrypt(value)
