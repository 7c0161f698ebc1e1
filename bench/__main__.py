"""`python -m bench [--quick] [NAME [ARGS...]]`: run every benchmark in bench/ and write BENCHMARKS.md, or run
the named one with its own options.

A benchmark is any module `bench/<name>.py` with a `main(argv: list[str] | None)` function; it prints its own
figures and may return a list of `bench._report.Figure` (a figure beside its same-run baseline) for the
report. `generate` (the dataset builder) and modules whose names start with `_` are helpers, not benchmarks,
but `python -m bench generate --customers ...` still runs the generator by name.

With no NAME every benchmark runs at its default sizes (1M customers / 10M events: hours on a busy machine)
and the report goes to BENCHMARKS.md at the repository root. `--quick` runs each at the smaller sizes in
QUICK (minutes), `--report PATH` writes the report elsewhere. A benchmark that fails is reported as failed;
the others still run.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

HELPERS = {"generate"}
REPORT = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"
#: The smaller sizes of `--quick`.
QUICK = {
    "audience": ["--customers", "100000", "--events", "1000000"],
    "baselines": ["--customers", "100000", "--events", "1000000"],
    "import_rows": ["--rows", "100000", "--customers", "20000"],
    "render": ["--count", "10000", "--builder-count", "3000"],
    "run_tick": ["--customers", "100000", "--events", "1000000"],
    "send": ["--messages", "3000", "--baseline", "100", "--scale-messages", "1500", "--raw-concurrency", "16",
             "--postfix-messages", "5000"],
}


def discover() -> list[str]:
    """Benchmark module names, sorted, that define main()."""
    names = []
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("_") or module.name in HELPERS:
            continue
        if hasattr(importlib.import_module(f"bench.{module.name}"), "main"):
            names.append(module.name)
    return sorted(names)


class _Tee(io.TextIOBase):
    """Writes go to the terminal and are kept for the report."""

    def __init__(self, terminal) -> None:
        self.terminal, self.kept = terminal, io.StringIO()

    def write(self, text: str) -> int:
        self.terminal.write(text)
        self.terminal.flush()
        return self.kept.write(text)


def run(name: str, argv: list[str]):
    from bench._report import Section

    print(f"== bench {name} {' '.join(argv)}".rstrip(), flush=True)
    started = time.perf_counter()
    tee = _Tee(sys.stdout)
    error, figures = None, []
    with contextlib.redirect_stdout(tee):
        try:
            figures = importlib.import_module(f"bench.{name}").main(argv) or []
        except SystemExit as exc:
            if exc.code not in (0, None):  # `--help`, or a benchmark that ends itself early, is no failure
                error = f"SystemExit: {exc}"
                traceback.print_exc(file=sys.stdout)
        except Exception as exc:  # noqa: BLE001 - one failed benchmark must not lose the others
            error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stdout)
    seconds = time.perf_counter() - started
    print(f"== bench {name} done in {seconds:.1f} s", flush=True)
    return Section(name, argv, seconds, tee.kept.getvalue(), list(figures), error)


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip(), "\n\navailable:", ", ".join(discover()) or "(none)")
        return 0
    options = list(argv)
    quick = "--quick" in options
    if quick:
        options.remove("--quick")
    report = REPORT
    if "--report" in options:
        at = options.index("--report")
        report = Path(options[at + 1])
        del options[at:at + 2]
    if not options:
        from bench._report import machine, write

        before = machine()
        sections = [run(name, QUICK.get(name, []) if quick else []) for name in discover()]
        write(report, sections, argv, before, os.getloadavg())
        print(f"report written to {report}")
        return 1 if any(section.error for section in sections) else 0
    name, rest = options[0], options[1:]
    if name not in HELPERS and name not in discover():
        print(f"unknown benchmark {name!r}; available: {', '.join(discover())}", file=sys.stderr)
        return 2
    section = run(name, rest)
    return 1 if section.error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
