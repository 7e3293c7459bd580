"""The README's configuration table names every environment variable the settings read."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_variable_is_documented() -> None:
    settings = (ROOT / "src" / "zhiyuan" / "settings.py").read_text()
    variables = set(re.findall(r'env_[a-z]+\(\s*"([A-Z_]+)"', settings))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", readme, flags=re.MULTILINE))
    assert len(variables) >= 20
    assert variables - documented == set()


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def test_every_page_the_readme_names_resolves() -> None:
    """The structure step moved views between apps; the addresses people know must stay."""
    from django.urls import resolve

    paths = sorted(set(re.findall(r"`(/[a-z0-9_/.-]*/)`", _readme())))
    assert len(paths) >= 15
    resolved = {path: resolve(path).url_name for path in paths}
    assert all(resolved.values()), resolved


def test_every_command_the_readme_names_exists() -> None:
    from django.core.management import get_commands

    named = set(re.findall(r"`(?:\.venv/bin/)?zhiyuan ([a-z_]+)", _readme()))
    assert {"load_demo", "run_periodic", "import_roster", "db_worker"} <= named
    # rqworker comes with django-rq, installed only with TASKS_BACKEND=rq.
    assert importlib.util.find_spec("django_rq.management.commands.rqworker") is not None
    assert named - set(get_commands()) - {"rqworker"} == set()


def test_every_api_path_the_readme_names_is_in_the_schema() -> None:
    from drf_spectacular.generators import SchemaGenerator

    named = set(re.findall(r"`(?:[A-Z]+ )?(/api/v1/[a-z0-9_/-]+/)", _readme()))
    assert "/api/v1/auth/login/" in named
    schema_paths = set(SchemaGenerator().get_schema(request=None, public=True)["paths"])
    assert named - schema_paths == set()
