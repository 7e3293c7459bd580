"""Another process, as far as what a process keeps goes (`zhiyuan.common.generations`).

gunicorn's workers each keep their own values and share only the database. A test plays two
workers with two stores: `with as_process(store):` runs the block with that store's values,
so a change made "in" one process reaches the other only through the generation counters."""

from collections.abc import Iterator
from contextlib import contextmanager

from zhiyuan.common import generations


@contextmanager
def as_process(store: generations.LocalStore) -> Iterator[None]:
    """Run the block with `store` as this process's kept values."""
    mine = generations.local
    generations.local = store
    try:
        yield
    finally:
        generations.local = mine
