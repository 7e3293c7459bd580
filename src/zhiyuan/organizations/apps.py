from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "zhiyuan.organizations"
    label = "organizations"
    verbose_name = _("Organisation system")

    def ready(self) -> None:
        from treebeard.mp_tree import path_updated

        from zhiyuan.organizations.models import Organization

        # Every rewrite of a subtree's paths (a move, siblings shifted, a repair) is followed
        # by the rows that keep copies of them (access.ScopePathField).
        path_updated.connect(_follow_path_change, sender=Organization, dispatch_uid="scope-paths")


def _follow_path_change(
    sender: Any, old_path: str, new_path: str, using: str, **kwargs: Any
) -> None:
    from zhiyuan.organizations.access import follow_path_change

    follow_path_change(old_path, new_path, using)
