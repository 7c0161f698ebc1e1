"""Start-up: the whole `rekindle` process, from exec to exit, for commands whose work is small.

    python -m bench startup [--runs 5]

Each command runs `--runs` times in a child process (after one warm-up), the commands in turn (one run of
each, then the next round), so a change in the machine's load touches them all alike; the report gives the
median wall time, the median CPU time (user + system of the child, the fairer figure on a shared machine) and
the peak RSS. `python -c pass` is the yardstick measured in the same run: the interpreter's own start-up;
`import sqlalchemy` (with the SQLite dialect) is what any command that opens the store pays before Rekindle
does anything, so where `audience` misses its target the report says how much of it that import is.
`rekindle validate` is the shipped project; `rekindle audience` on an empty store is the fixed cost every
audience query pays on top of the query itself. The warm-up run fills the project's `.rekindle-cache/` (template
checks and valid documents, docs/cli.md), so the figures are those of every run after the first with unchanged
files; `validate` with `REKINDLE_CACHE=off` is the cost of a run that checks everything again.

Bytecode: the commands run with the environment as given, and the report says whether Python could keep the
bytecode it compiles. With `PYTHONDONTWRITEBYTECODE` set, every run compiles the editable install's .py files
again (pip compiled the libraries' at install time), which a real install never does, unless they were compiled
beforehand (`make bytecode`, which `make` and `make bench` run: a .pyc is read whatever the variable says); measure
both with `env -u PYTHONDONTWRITEBYTECODE python -m bench startup` and `PYTHONDONTWRITEBYTECODE=1 python -m bench
startup`, the latter once with engine/ compiled and once without (`find engine -name __pycache__ -exec rm -r {} +`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

from bench._child import Child
from bench._report import Figure

ROOT = Path(__file__).resolve().parents[1]
REKINDLE = [sys.executable, "-m", "engine"]
TARGET = 0.5
"""Issue 16: `rekindle validate` and the fixed cost of `rekindle audience` under half a second each, wall."""
SQLALCHEMY = "python -c 'import sqlalchemy' (+ SQLite dialect)"


def run_once(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS MiB) of one run of `command`, which must succeed."""
    child = Child(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    error = child.process.stderr.read().decode() if child.process.stderr else ""
    usage = child.finish()
    if usage.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return usage.wall, usage.cpu, usage.peak_mib


def measure(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int, cwd: Path
            ) -> dict[str, tuple[float, float, int]]:
    """Each command's (median wall s, median CPU s, max peak RSS MiB) over `runs` rounds after one warm-up
    round; a round runs every command once, in order."""
    samples: dict[str, list[tuple[float, float, int]]] = {label: [] for label in commands}
    for round_number in range(runs + 1):
        for label, (command, env) in commands.items():
            sample = run_once(command, cwd, env)
            if round_number:
                samples[label].append(sample)
    return {label: (median(s[0] for s in taken), median(s[1] for s in taken), max(s[2] for s in taken))
            for label, taken in samples.items()}


def bytecode_mode() -> str:
    """How the children treat bytecode, as the report prints it (Python reads any non-empty value as set)."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "PYTHONDONTWRITEBYTECODE set: Rekindle's .py files compiled again on every run"
    return "PYTHONDONTWRITEBYTECODE unset: bytecode written once and reused, as in a real install"


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "REKINDLE_STORE_URL": f"sqlite:///{Path(folder) / 'empty.db'}"}
        subprocess.run([*REKINDLE, "db", "init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        uncached = {**env, "REKINDLE_CACHE": "off"}
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            SQLALCHEMY: ([sys.executable, "-c", "import sqlalchemy, sqlalchemy.dialects.sqlite"], env),
            "rekindle --help": ([*REKINDLE, "--help"], env),
            "rekindle validate (shipped project)": ([*REKINDLE, "validate"], env),
            "rekindle audience winback-90, empty store": ([*REKINDLE, "audience", "winback-90",
                                                           "--now", "2026-11-23T09:00:00Z"], env),
            "rekindle validate, REKINDLE_CACHE=off": ([*REKINDLE, "validate"], uncached),
        }
        print(f"bytecode: {bytecode_mode()}")
        results = measure(commands, args.runs, ROOT)
    print(f"{'command':<52} {'wall s':>7} {'CPU s':>6} {'peak RSS':>9}   (median of {args.runs})")
    for label, (wall, cpu, peak) in results.items():
        print(f"{label:<52} {wall:>7.2f} {cpu:>6.2f} {peak:>6} MiB")
    floor_wall, floor_cpu, _ = results["python -c pass"]
    library_wall, library_cpu, _ = results[SQLALCHEMY]
    figures = []
    bytecode = bytecode_mode().split(":")[0]
    for label in list(commands)[3:]:
        wall, cpu, peak = results[label]
        met = "met" if wall < TARGET else "missed"
        target = "no target (every check runs)" if "off" in label else f"target {TARGET} s: {met}"
        bounds = ""
        if met == "missed" and "audience" in label:
            bounds = (f"{SQLALCHEMY} alone takes {library_wall:.2f} s wall, {library_cpu:.2f} s CPU of it in the "
                      "same run (the query needs SQLAlchemy's Core); the rest is Typer, loading the project and, "
                      "with PYTHONDONTWRITEBYTECODE, compiling Rekindle's modules from source")
        figures.append(Figure(f"{label}; {bytecode}", f"{wall:.2f} s wall, {cpu:.2f} s CPU, {peak} MiB",
                              f"python -c pass: {floor_wall:.2f} s wall, {floor_cpu:.2f} s CPU", target, bounds))
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
