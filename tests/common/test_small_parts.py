import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from zhiyuan.common.masking import mask_name, mask_phone
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.env import env_bool, env_choice, env_int, env_list


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        (" 138 0013 8000 ", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("19912345678", "19912345678"),  # a newer range
    ],
)
def test_valid_mobiles_are_normalised(raw: str, expected: str) -> None:
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "1380013800", "138001380001", "02787654321", "+12025550123", "abc"]
)
def test_invalid_mobiles_are_refused_with_a_message(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_mobile(raw)
    assert info.value.code == "invalid_mobile"


def test_masks() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("123") == "***"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("李") == "李"


def test_env_parsers_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    monkeypatch.setenv("X_SMALL", "3")
    monkeypatch.setenv("X_CHOICE", "nosuch")
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", False)
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env_int("X_SMALL", 1, minimum=5)
    with pytest.raises(ImproperlyConfigured, match="X_CHOICE"):
        env_choice("X_CHOICE", "a", {"a", "b"})
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_bool("X_UNSET_BOOL", True) is True
