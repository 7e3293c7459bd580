"""Field encryption for personal data (ID numbers, phones) and keyed look-up digests.

Values are encrypted with an authenticated cipher: AES-256-GCM by default, SM4-GCM
(GB/T 32907) when `FIELD_CIPHER=sm4-gcm` for national-crypto deployments. Keys never live in
the database: they come from `FIELD_ENCRYPTION_KEYS` or from `FIELD_ENCRYPTION_KEY_FILE`
(one `id:base64` entry per line or comma-separated). The entry named `lookup` keys the HMAC
digests used for uniqueness and search; the first other entry encrypts, and every listed entry
still decrypts, so a key is rotated by listing a new one first and running
`zhiyuan rotate_field_keys` (docs/architecture.md, "Personal data").

Stored form: `<cipher>:<key id>:<base64(nonce || ciphertext || tag)>`, where cipher is `g`
(AES-GCM) or `s` (SM4-GCM). The column name is bound in as associated data, so a value copied
into another column does not decrypt.

Legal basis: 个人信息保护法 第五十一条 (encryption as a security measure), 第二十八条 (sensitive data).
"""

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16
LOOKUP_KEY_ID = "lookup"


class DecryptionError(Exception):
    """A stored value could not be authenticated with any configured key."""


@dataclass(frozen=True)
class Keyring:
    lookup_key: bytes
    current_id: str
    keys: dict[str, bytes]


def _parse_entries(text: str) -> list[tuple[str, bytes]]:
    entries = []
    for raw in text.replace(",", "\n").splitlines():
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured("Field keys must be written as id:base64, e.g. k1:....")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise ImproperlyConfigured(f"Field key {key_id!r} is not valid base64.") from None
        if len(key) < 32:
            raise ImproperlyConfigured(f"Field key {key_id!r} must be at least 32 bytes.")
        entries.append((key_id, key))
    return entries


def new_key_line(key_id: str) -> str:
    """A fresh 256-bit key as one `id:base64` entry."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def add_key_to_file(path: Path) -> str:
    """Put a new encryption key first in the key file (the old ones stay, to decrypt); returns
    its id (k2, k3, …). Raises ImproperlyConfigured if the file is missing or malformed."""
    ring = parse_keyring(path.read_text())
    numbers = [
        int(key_id[1:]) for key_id in ring.keys if key_id[:1] == "k" and key_id[1:].isdigit()
    ]
    key_id = f"k{max(numbers, default=0) + 1}"
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    lookup = [line for line in lines if line.startswith(f"{LOOKUP_KEY_ID}:")]
    others = [line for line in lines if not line.startswith(f"{LOOKUP_KEY_ID}:")]
    path.write_text("\n".join([*lookup, new_key_line(key_id), *others]) + "\n")
    return key_id


def generate_key_file(path: Path) -> None:
    """Write a new key file (a lookup key and one encryption key), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [new_key_line(LOOKUP_KEY_ID), new_key_line("k1")]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")


@lru_cache(maxsize=4)
def parse_keyring(text: str) -> Keyring:
    """Parse `lookup:BASE64,k2:BASE64,...`; raises ImproperlyConfigured when malformed."""
    entries = _parse_entries(text)
    lookup = [key for key_id, key in entries if key_id == LOOKUP_KEY_ID]
    encryption = [(key_id, key) for key_id, key in entries if key_id != LOOKUP_KEY_ID]
    if len(lookup) != 1 or not encryption:
        raise ImproperlyConfigured(
            "Field keys need exactly one 'lookup' entry and one or more others."
        )
    return Keyring(lookup_key=lookup[0], current_id=encryption[0][0], keys=dict(encryption))


def keyring() -> Keyring:
    """The configured keys: `FIELD_ENCRYPTION_KEYS`, else the key file (read once per process;
    restart after changing it). Only the embedded set-up creates a missing key file: elsewhere a
    missing file is a configuration error, never a silently new key that could not read old data."""
    if settings.FIELD_ENCRYPTION_KEYS:
        return _keyring_from_text(settings.FIELD_ENCRYPTION_KEYS)
    return _keyring_from_file(settings.FIELD_ENCRYPTION_KEY_FILE, may_create=settings.EMBEDDED)


@lru_cache(maxsize=4)
def _keyring_from_text(text: str) -> Keyring:
    # Parsed once per text: encrypt and lookup_digest run hundreds of thousands of times in
    # a roster import.
    return parse_keyring(text)


@lru_cache(maxsize=4)
def _keyring_from_file(path_text: str, *, may_create: bool) -> Keyring:
    path = Path(path_text)
    if not path.exists():
        if not may_create:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY_FILE {path} does not exist. Create it with "
                f"`zhiyuan field_keys create {path}`, or restore the file that encrypted the data."
            )
        generate_key_file(path)
    try:
        return parse_keyring(path.read_text())
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY_FILE {path}: {exc}") from None


@lru_cache(maxsize=32)
def _sm4_key(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"zhiyuan-sm4").derive(master)


@lru_cache(maxsize=32)
def _aes_gcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def _seal(cipher: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if cipher == "g":
        return _aes_gcm(key).encrypt(nonce, plaintext, aad)
    encryptor = Cipher(algorithms.SM4(_sm4_key(key)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return body + encryptor.tag


def _open(cipher: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if cipher == "g":
        return _aes_gcm(key).decrypt(nonce, sealed, aad)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(_sm4_key(key)), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt `plaintext` for the column named by `context` (e.g. "accounts.User.mobile")."""
    ring = keyring()
    cipher = "s" if settings.FIELD_CIPHER == "sm4-gcm" else "g"
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = _seal(cipher, ring.keys[ring.current_id], nonce, plaintext.encode(), context.encode())
    return f"{cipher}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def encryptor(*, context: str) -> Callable[[str], str]:
    """`encrypt` for many values of one column (`context`): the current key, its cipher object
    and the column's associated data are looked up once, not per value (a roster import
    encrypts four values per row of 100,000). Stored forms as `encrypt` writes them."""
    ring, aad = keyring(), context.encode()
    cipher = "s" if settings.FIELD_CIPHER == "sm4-gcm" else "g"
    key = ring.keys[ring.current_id]
    prefix = f"{cipher}:{ring.current_id}:"
    # (nonce, plaintext, associated data) -> ciphertext and tag, as `_seal`
    seal: Callable[[bytes, bytes, bytes], bytes] = (
        _aes_gcm(key).encrypt if cipher == "g" else partial(_seal, cipher, key)
    )

    def close_value(plaintext: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return prefix + base64.b64encode(nonce + seal(nonce, plaintext.encode(), aad)).decode()

    return close_value


def decrypt(stored: str, *, context: str) -> str:
    """Decrypt a value written by `encrypt`; raises DecryptionError if it does not authenticate."""
    try:
        cipher, key_id, encoded = stored.split(":", 2)
        blob = base64.b64decode(encoded)
        key = keyring().keys[key_id]
    except (ValueError, KeyError):
        raise DecryptionError(f"Unreadable encrypted value in {context}.") from None
    try:
        return _open(cipher, key, blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, ValueError):  # ValueError: too short to hold a nonce and a tag
        raise DecryptionError(f"Encrypted value in {context} failed authentication.") from None


def decryptor(*, context: str) -> Callable[[str], str]:
    """`decrypt` for many values of one column (`context`): the keys and the column's associated
    data are looked up once, not per value (an export decrypts two values per row of 100,000).
    The function returns "" for an empty value and raises DecryptionError like `decrypt`."""
    keys, aad = keyring().keys, context.encode()
    aes = {key_id: _aes_gcm(key) for key_id, key in keys.items()}

    def open_value(stored: str) -> str:
        if not stored:
            return stored
        try:
            cipher, key_id, encoded = stored.split(":", 2)
            blob = binascii.a2b_base64(encoded)
            if cipher == "g":
                return aes[key_id].decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode()
            return _open(cipher, keys[key_id], blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode()
        except (ValueError, KeyError):
            raise DecryptionError(f"Unreadable encrypted value in {context}.") from None
        except InvalidTag:
            raise DecryptionError(f"Encrypted value in {context} failed authentication.") from None

    return open_value


def key_id_of(stored: str) -> str:
    """The key id a stored value was encrypted with (used by key rotation)."""
    return stored.split(":", 2)[1]


def lookup_digest(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 digest (hex, 64 chars) of a normalised value, for equality look-ups."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(keyring().lookup_key, message, hashlib.sha256).hexdigest()


def digester(*, purpose: str) -> Callable[[str], str]:
    """`lookup_digest` for many values of one `purpose`: the keyed state after the purpose is
    computed once and copied for each value (HMAC reads its message as a stream)."""
    start = hmac.new(keyring().lookup_key, f"{purpose}\x00".encode(), hashlib.sha256)

    def digest(value: str) -> str:
        state = start.copy()
        state.update(value.encode())
        return state.hexdigest()

    return digest
