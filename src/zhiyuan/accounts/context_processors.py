from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values the navigation shell needs on every page (`administers` is looked up only if used)."""
    from zhiyuan.organizations.access import scope_prefixes
    from zhiyuan.organizations.enums import RoleKind

    def administers() -> bool:
        return scope_prefixes(request.user, [RoleKind.ADMINISTRATOR]) != []

    return {"large_text": getattr(request, "large_text", False), "administers": administers}
