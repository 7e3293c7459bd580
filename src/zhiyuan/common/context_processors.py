from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values the navigation shell needs on every page."""
    return {"large_text": getattr(request, "large_text", False)}
