import pytest

from zhiyuan.common.masking import mask_document


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("43060219900101123X", "43**************3X"),
        ("430602199001011234", "43**************34"),
        ("H60123456", "H6*****56"),  # a permit or passport: same rule, its own length
        ("ABC123456789012", "AB***********12"),
        ("12345", "12*45"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_a_document_number_keeps_only_its_first_and_last_two_characters(
    number: str, expected: str
) -> None:
    assert mask_document(number) == expected
