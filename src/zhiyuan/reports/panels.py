"""What the apps above reports add to its pages without reports importing them: panels on the
dashboard and notes under the statistics tables. An app registers them in its
`AppConfig.ready` (checks: the verification rates of spot checks); the dashboard renders each
panel whose builder returns data, and every table built through `kinds` carries the notes.

- `register_dashboard_panel(key, template=…, build=…)`: `build(user, root, day)` returns the
  panel's context (a dict, given to `template` as `panel`), or None to show nothing.
- `register_table_note(key, build=…)`: `build(root, day)` returns lines (in the active
  language) printed under every statistics table of `root`'s subtree on `day`.
Registering a key again replaces the earlier one (a reloaded app registers once).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    template: str
    build: Callable[[Any, Any, date], dict[str, Any] | None]


@dataclass(frozen=True)
class ShownPanel:
    """A panel to render: its template and the context its builder gave."""

    key: str
    template: str
    data: dict[str, Any]


_panels: dict[str, DashboardPanel] = {}
_notes: dict[str, Callable[[Any, date], list[str]]] = {}


def register_dashboard_panel(
    key: str, *, template: str, build: Callable[[Any, Any, date], dict[str, Any] | None]
) -> None:
    _panels[key] = DashboardPanel(key, template, build)


def register_table_note(key: str, *, build: Callable[[Any, date], list[str]]) -> None:
    _notes[key] = build


def dashboard_panels(user: Any, root: Any, day: date) -> list[ShownPanel]:
    """The registered panels with data for `user` on `root`'s dashboard, in key order."""
    shown = []
    for key in sorted(_panels):
        panel = _panels[key]
        data = panel.build(user, root, day)
        if data is not None:
            shown.append(ShownPanel(key, panel.template, data))
    return shown


def table_notes(root: Any, day: date) -> tuple[str, ...]:
    """The registered notes for a statistics table of `root`'s subtree on `day`."""
    return tuple(line for key in sorted(_notes) for line in _notes[key](root, day))
