import pytest

from zhiyuan.common import locks


def test_a_lock_outside_a_transaction_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        locks.hold("anything")


def test_lock_keys_are_stable_signed_64_bit_integers() -> None:
    key = locks.lock_key("organizations.tree")
    assert key == locks.lock_key("organizations.tree")
    assert key != locks.lock_key("organizations.other")
    assert -(2**63) <= key < 2**63
