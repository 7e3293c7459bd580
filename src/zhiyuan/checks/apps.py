from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "zhiyuan.checks"
    verbose_name = _("Spot checks and cases")

    def ready(self) -> None:
        from zhiyuan.checks import panels, services
        from zhiyuan.reports.panels import register_dashboard_panel, register_table_note
        from zhiyuan.volunteers import hooks

        if services.in_person_rule not in hooks.in_person_rules:
            hooks.in_person_rules.append(services.in_person_rule)
        register_dashboard_panel(
            "checks", template="checks/_dashboard_panel.html", build=panels.dashboard_panel
        )
        register_table_note("checks", build=panels.table_note)
