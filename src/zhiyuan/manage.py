"""The `zhiyuan` console script: the project's manage.py (`zhiyuan <command>`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    from django.core.management import execute_from_command_line

    from zhiyuan.common.audit_origin import cli_origin

    with cli_origin():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
