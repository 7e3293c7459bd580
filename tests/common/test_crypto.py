import base64

import pytest
from django.db import connection
from django.test import override_settings

from zhiyuan.accounts.models import User, mobile_digest
from zhiyuan.common import crypto
from zhiyuan.common.key_rotation import rotate_field_keys

KEY_T1 = "t1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
KEY_T2 = "t2:" + base64.b64encode(b"another-32-byte-key-for-rotation").decode()
LOOKUP = "lookup:dGVzdC1sb29rdXAta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="


def test_round_trip_aes_gcm() -> None:
    stored = crypto.encrypt("13900001234", context="accounts.User.mobile")
    assert stored.startswith("g:t1:")
    assert "13900001234" not in stored
    assert crypto.decrypt(stored, context="accounts.User.mobile") == "13900001234"


def test_same_value_encrypts_differently_each_time() -> None:
    first = crypto.encrypt("13900001234", context="x")
    assert first != crypto.encrypt("13900001234", context="x")


@override_settings(FIELD_CIPHER="sm4-gcm")
def test_round_trip_sm4_gcm() -> None:
    stored = crypto.encrypt("湖南省岳阳市", context="c")
    assert stored.startswith("s:t1:")
    assert crypto.decrypt(stored, context="c") == "湖南省岳阳市"


def test_value_moved_to_another_column_does_not_decrypt() -> None:
    stored = crypto.encrypt("13900001234", context="accounts.User.mobile")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, context="organizations.Organization.contact_phone")


def test_tampered_value_does_not_decrypt() -> None:
    stored = crypto.encrypt("13900001234", context="c")
    head, _, body = stored.rpartition(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{head}:{base64.b64encode(bytes(raw)).decode()}", context="c")


@pytest.mark.parametrize("stored", ["g:t1:AAAA", "s:t1:", "g:t1:" + "A" * 24, "x:t1:AAAA"])
def test_truncated_or_forged_values_do_not_decrypt(stored: str) -> None:
    """Values too short to hold a nonce and a tag raised ValueError, not DecryptionError."""
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, context="c")


def test_lookup_digest_is_keyed_and_purpose_bound() -> None:
    digest = crypto.lookup_digest("13900001234", purpose="mobile")
    assert len(digest) == 64
    assert digest == crypto.lookup_digest("13900001234", purpose="mobile")
    assert digest != crypto.lookup_digest("13900001234", purpose="id_number")
    with override_settings(
        FIELD_ENCRYPTION_KEYS=f"lookup:{base64.b64encode(b'x' * 32).decode()},{KEY_T1}"
    ):
        assert crypto.lookup_digest("13900001234", purpose="mobile") != digest


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_the_encryptor_of_a_column_writes_what_encrypt_writes(cipher: str) -> None:
    with override_settings(FIELD_CIPHER=cipher):
        encrypt = crypto.encryptor(context="volunteers.Volunteer.mobile")
        values = [encrypt(text) for text in ("13900001234", "湖南省岳阳市", "")]
        head = crypto.encrypt("x", context="volunteers.Volunteer.mobile").rsplit(":", 1)[0]
    assert [value.rsplit(":", 1)[0] for value in values] == [head] * 3
    assert values[0] != encrypt("13900001234")  # a new nonce each time
    assert [crypto.decrypt(value, context="volunteers.Volunteer.mobile") for value in values] == [
        "13900001234",
        "湖南省岳阳市",
        "",
    ]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(values[0], context="accounts.User.mobile")


def test_the_encryptor_uses_the_current_key_of_when_it_was_made() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{LOOKUP},{KEY_T2},{KEY_T1}"):
        encrypt = crypto.encryptor(context="c")
        assert encrypt("13900001234").startswith("g:t2:")


def test_the_digester_of_a_purpose_gives_lookup_digests() -> None:
    values = ["13900001234", "43060219900101001X", "湖南", ""]
    digest = crypto.digester(purpose="mobile")
    assert [digest(value) for value in values] == [
        crypto.lookup_digest(value, purpose="mobile") for value in values
    ]
    assert digest("13900001234") == mobile_digest("13900001234")
    assert crypto.digester(purpose="id_number")("13900001234") != digest("13900001234")


@pytest.mark.parametrize(
    "keys",
    ["", "k1:not-base64!!", f"{KEY_T1}", f"{LOOKUP}", "lookup:c2hvcnQ=,t1:c2hvcnQ="],
)
def test_bad_key_configuration_fails_loudly(keys: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keyring(keys)


@pytest.mark.django_db
def test_mobile_is_encrypted_in_the_database_and_found_by_digest() -> None:
    user = User.objects.create_user("crypt", "x-long-password-1", name="加密", mobile="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, mobile_digest FROM accounts_user WHERE id = %s", [user.pk])
        raw, digest = cursor.fetchone()
    assert "13912345678" not in raw
    assert digest == mobile_digest("13912345678")
    assert User.objects.get(pk=user.pk).mobile == "13912345678"


@pytest.mark.django_db
def test_key_rotation_re_encrypts_with_the_new_key_and_old_values_stay_readable() -> None:
    user = User.objects.create_user(
        "rotate", "x-long-password-1", name="轮换", mobile="13912345670"
    )
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{LOOKUP},{KEY_T2},{KEY_T1}"):
        assert User.objects.get(pk=user.pk).mobile == "13912345670"  # old key still decrypts
        changed = rotate_field_keys()
        assert changed["accounts.User.mobile"] >= 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT mobile FROM accounts_user WHERE id = %s", [user.pk])
            assert cursor.fetchone()[0].startswith("g:t2:")
        assert rotate_field_keys()["accounts.User.mobile"] == 0
        assert User.objects.get(pk=user.pk).mobile == "13912345670"
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{LOOKUP},{KEY_T2}"):
        assert User.objects.get(pk=user.pk).mobile == "13912345670"  # t1 no longer needed


def test_key_file_is_generated_once_with_private_mode(tmp_path) -> None:
    path = tmp_path / "keys" / "field.keys"
    with override_settings(
        FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(path), EMBEDDED=True
    ):
        stored = crypto.encrypt("x", context="c")
        first = path.read_text()
        assert crypto.decrypt(stored, context="c") == "x"
        assert path.read_text() == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert first.startswith("lookup:")


def test_a_missing_key_file_outside_the_embedded_setup_is_an_error(tmp_path) -> None:
    from django.core.exceptions import ImproperlyConfigured

    path = tmp_path / "typo.keys"
    with (
        override_settings(
            FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(path), EMBEDDED=False
        ),
        pytest.raises(ImproperlyConfigured, match=r"FIELD_ENCRYPTION_KEY_FILE .* does not exist"),
    ):
        crypto.encrypt("x", context="c")
    assert not path.exists()


def test_field_keys_command_creates_then_adds_a_key(tmp_path) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "field.keys"
    call_command("field_keys", "create", str(path))
    first = crypto.parse_keyring(path.read_text())
    assert first.current_id == "k1"
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("field_keys", "create", str(path))
    call_command("field_keys", "add", str(path))
    second = crypto.parse_keyring(path.read_text())
    assert second.current_id == "k2"
    assert second.keys["k1"] == first.keys["k1"]
    assert second.lookup_key == first.lookup_key
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_rotation_refuses_a_zero_batch() -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        call_command("rotate_field_keys", batch_size=0)


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_the_decryptor_of_a_column_reads_what_encrypt_wrote(cipher: str) -> None:
    context = "volunteers.Volunteer.document_number"
    with override_settings(FIELD_CIPHER=cipher):
        stored = [crypto.encrypt(text, context=context) for text in ("43060219900101001X", "湖南")]
    decryptor = crypto.decryptor(context=context)
    assert [decryptor(value) for value in [*stored, ""]] == ["43060219900101001X", "湖南", ""]
    for broken in (stored[0][:-6] + "AAAAAA", "g:nokey:AAAA", "g:t1:***", "nonsense"):
        with pytest.raises(crypto.DecryptionError):
            decryptor(broken)
    with pytest.raises(crypto.DecryptionError):
        crypto.decryptor(context="volunteers.Volunteer.mobile")(stored[0])
