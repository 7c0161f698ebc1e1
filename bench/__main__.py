"""`python -m bench [NAME [ARGS...]]`: run every benchmark in bench/, or the named one with its own options.

A benchmark is any module `bench/<name>.py` with a `main(argv: list[str] | None)` function; it prints its own
figures. `generate` (the dataset builder) and modules whose names start with `_` are helpers, not benchmarks,
but `python -m bench generate --customers ...` still runs the generator by name.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

HELPERS = {"generate"}


def discover() -> list[str]:
    """Benchmark module names, sorted, that define main()."""
    names = []
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("_") or module.name in HELPERS:
            continue
        if hasattr(importlib.import_module(f"bench.{module.name}"), "main"):
            names.append(module.name)
    return sorted(names)


def run(name: str, argv: list[str]) -> None:
    print(f"== bench {name}", flush=True)
    started = time.perf_counter()
    importlib.import_module(f"bench.{name}").main(argv)
    print(f"== bench {name} done in {time.perf_counter() - started:.1f} s", flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip(), "\n\navailable:", ", ".join(discover()) or "(none)")
        return 0
    if not argv:
        for name in discover():
            run(name, [])
        return 0
    name, rest = argv[0], argv[1:]
    if name not in HELPERS and name not in discover():
        print(f"unknown benchmark {name!r}; available: {', '.join(discover())}", file=sys.stderr)
        return 2
    run(name, rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
