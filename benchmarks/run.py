"""Run every benchmark in this folder: what `make bench` runs.

Usage: python benchmarks/run.py [NAME ...]

Every `bench_<name>.py` here is a benchmark: a script that measures, prints its figures and
exits 0 when it ran (or skipped itself, saying why) and non-zero when it failed or broke a
budget. Each runs in its own process, so that one's memory does not count against another.
To add a benchmark, add a `bench_<name>.py`; give NAMEs to run only some.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {f"bench_{name.removeprefix('bench_').removesuffix('.py')}.py" for name in names}
    unknown = wanted - {path.name for path in found}
    if unknown:
        raise SystemExit(f"No such benchmark: {', '.join(sorted(unknown))}")
    return [path for path in found if path.name in wanted]


def main(names: list[str]) -> int:
    failed = []
    for path in benchmarks(names):
        print(f"== {path.stem} ==", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)])
        print(f"== {path.stem}: {'ok' if code == 0 else f'FAILED ({code})'}", end="")
        print(f" in {time.perf_counter() - started:.1f} s\n", flush=True)
        if code != 0:
            failed.append(path.stem)
    if failed:
        print(f"Failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
