"""Run every benchmark in this folder: what `make bench` runs.

Usage: python benchmarks/run.py [--quick | --full] [NAME ...]

Every `bench_<name>.py` here is a benchmark: a script that measures, prints its figures and
exits 0 when it ran (or skipped itself, saying why) and non-zero when it failed or broke a
budget. Each runs in its own process, so that one's memory does not count against another.
To add a benchmark, add a `bench_<name>.py`; give NAMEs to run only some.

Two modes, passed to every benchmark as the environment variable BENCH_QUICK:
- `--quick` (BENCH_QUICK=1, what `make bench` runs): CI-sized data (about 10,000–20,000
  rows), a few minutes in all; the figures show a regression, not the budgets;
- `--full` (BENCH_QUICK=0, `make bench-full`): the sizes of the issues' budgets (100,000
  volunteers and more), the figures recorded in docs/benchmarks.md.
Without either, BENCH_QUICK as set in the environment decides; unset means full. A benchmark
is quick when BENCH_QUICK is set and not "0" (`quick_mode`), and says in its output which
sizes it ran.
"""

import os
import subprocess
import sys
import time
from collections.abc import Mapping
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


def quick_mode(environ: Mapping[str, str]) -> bool:
    """Whether BENCH_QUICK in `environ` asks for the quick mode: set, and not "0"."""
    return environ.get("BENCH_QUICK", "") not in ("", "0")


def main(argv: list[str]) -> int:
    names = [arg for arg in argv if arg not in ("--quick", "--full")]
    unknown = [name for name in names if name.startswith("-")]
    if unknown:
        raise SystemExit(f"Unknown option {unknown[0]}: give --quick or --full (see --help).")
    env = dict(os.environ)
    if "--quick" in argv or "--full" in argv:
        env["BENCH_QUICK"] = "0" if "--full" in argv else "1"
    env.setdefault("BENCH_QUICK", "0")
    print(f"Mode: {'quick' if quick_mode(env) else 'full'} (BENCH_QUICK={env['BENCH_QUICK']})\n")
    failed = []
    for path in benchmarks(names):
        print(f"== {path.stem} ==", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)], env=env)
        print(f"== {path.stem}: {'ok' if code == 0 else f'FAILED ({code})'}", end="")
        print(f" in {time.perf_counter() - started:.1f} s\n", flush=True)
        if code != 0:
            failed.append(path.stem)
    if failed:
        print(f"Failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
