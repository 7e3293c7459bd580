"""The `zhiyuan` console script: the project's manage.py (`zhiyuan <command>`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    from django.core.management import execute_from_command_line

    from zhiyuan.common.audit_origin import cli_origin

    try:
        with cli_origin():
            execute_from_command_line(sys.argv)
    except KeyboardInterrupt:
        # Ctrl-C ends a command as interrupted, without a traceback for the person at the
        # terminal (a command's work is in transactions, rolled back).
        from django.utils.translation import gettext

        sys.stderr.write("\n" + gettext("Interrupted.") + "\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
