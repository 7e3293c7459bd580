"""Masks for personal data on screen (MISSION: masked everywhere by default)."""


def mask_phone(mobile: str) -> str:
    """`13800138000` -> `138****8000`; short or empty values are masked whole."""
    if len(mobile) < 7:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


def mask_name(name: str) -> str:
    """Keep the first character and, for names of three or more, the last: 张*明, 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_document(number: str) -> str:
    """`43060219900101123X` -> `43**************3X`: only the first two and last two characters.

    The birth date is shown beside the number, so the mask leaves out everything else (area
    code, birth date, sequence), and the whole number cannot be rebuilt from the screen
    (MISSION: privacy by design). Values of four characters or fewer are masked whole.
    """
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]
