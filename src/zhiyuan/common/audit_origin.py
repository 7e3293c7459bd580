"""Origin marker for the command line, importable before Django is set up."""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cli_origin() -> Iterator[None]:
    import django
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - fail here with a clear settings error
    django.setup()
    from zhiyuan.common.audit import origin_scope
    from zhiyuan.common.enums import Origin

    with origin_scope(Origin.CLI):
        yield
