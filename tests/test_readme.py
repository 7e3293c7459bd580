"""The README's configuration table names every environment variable the settings read."""

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
