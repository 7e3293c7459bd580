from typing import Any

from django.http import HttpRequest

from zhiyuan.organizations.permissions import administers_anything


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values the navigation shell needs on every page (`administers` is looked up only if used)."""
    return {
        "large_text": getattr(request, "large_text", False),
        "administers": lambda: administers_anything(request.user),
    }
