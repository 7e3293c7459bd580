"""Files kept encrypted at rest, as `fields.EncryptedTextField` keeps column values.

A file's bytes are sealed with `crypto.encrypt` (AES-256-GCM or SM4-GCM, the field keys, a
random nonce, the storage's `context` bound in as associated data) and written as the text
`<cipher>:<key id>:<base64>`; reading opens them again. Code using the storage (a FileField's
`open`, `save`) sees the plain bytes. Key rotation re-seals files under the current key
(`rotate_stored_files`), and `encrypt_stored_files` seals files written in clear before.
"""

import base64
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from zhiyuan.common import crypto

_SEALED_PREFIXES = (b"g:", b"s:")  # crypto.encrypt's ciphers


@deconstructible
class EncryptedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose files are encrypted; `context` names what they are (e.g.
    "volunteers.Volunteer.photo"). Files are never served from MEDIA_URL: a view reads them
    through the model, inside the reader's scope."""

    def __init__(self, *, context: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context

    def _save(self, name: str, content: Any) -> str:
        return super()._save(name, ContentFile(self.seal(content.read())))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> Any:
        with super()._open(name, "rb") as file:  # type: ignore[misc]
            sealed = file.read()
        return ContentFile(self.unseal(sealed), name=name)

    def size(self, name: str) -> int:
        with self._open(name) as file:
            return len(file.read())

    def seal(self, data: bytes) -> bytes:
        return crypto.encrypt(base64.b64encode(data).decode(), context=self.context).encode()

    def unseal(self, sealed: bytes) -> bytes:
        """The plain bytes. Raises crypto.DecryptionError (tampered with, or an unknown key)."""
        return base64.b64decode(
            crypto.decrypt(sealed.decode("ascii", "replace"), context=self.context)
        )

    def raw(self, name: str) -> bytes:
        with open(self.path(name), "rb") as file:
            return file.read()

    def overwrite(self, name: str, data: bytes) -> None:
        """Seal `data` into the file `name` in place (a rotation keeps the name)."""
        with open(self.path(name), "wb") as file:
            file.write(self.seal(data))


def encrypt_stored_files(storage: EncryptedFileSystemStorage, names: Any) -> int:
    """Seal the files among `names` that were written in clear (before their storage was
    encrypted); returns how many. Safe to re-run: sealed files are left alone."""
    sealed = 0
    for name in names:
        if not name or not storage.exists(name):
            continue
        raw = storage.raw(name)
        if not raw.startswith(_SEALED_PREFIXES):
            storage.overwrite(name, raw)
            sealed += 1
    return sealed


def rotate_stored_files(storage: EncryptedFileSystemStorage, names: Any) -> int:
    """Re-seal the files among `names` not sealed with the current key; returns how many."""
    current = crypto.keyring().current_id
    changed = 0
    for name in names:
        if not name or not storage.exists(name):
            continue
        raw = storage.raw(name)
        if raw.startswith(_SEALED_PREFIXES) and crypto.key_id_of(raw.decode()) != current:
            storage.overwrite(name, storage.unseal(raw))
            changed += 1
    return changed
