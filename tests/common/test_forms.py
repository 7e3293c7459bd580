from django import forms
from django.core.exceptions import ValidationError

from zhiyuan.common.forms import add_validation_errors


class _Form(forms.Form):
    name = forms.CharField()
    password1 = forms.CharField()


def _bound() -> _Form:
    form = _Form({"name": "x", "password1": "y"})
    assert form.is_valid()
    return form


def test_field_errors_go_beside_their_field_and_unknown_keys_to_the_top() -> None:
    form = _bound()
    add_validation_errors(form, ValidationError({"name": ["名称太长。"], "code": ["代码已占用。"]}))
    assert form.errors == {"name": ["名称太长。"], "__all__": ["代码已占用。"]}


def test_a_message_without_field_goes_to_the_top() -> None:
    form = _bound()
    add_validation_errors(form, ValidationError("只有上级管理员可以停用。"))
    assert form.non_field_errors() == ["只有上级管理员可以停用。"]


def test_keys_can_be_renamed_to_the_form_field() -> None:
    form = _bound()
    add_validation_errors(
        form, ValidationError({"password": ["密码太短。"]}), {"password": "password1"}
    )
    assert form.errors == {"password1": ["密码太短。"]}
