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
