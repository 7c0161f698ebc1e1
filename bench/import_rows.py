"""Import throughput and memory: `rekindle import events` of a 1M-row CSV (and customers of a 1M-row CSV).

Each import runs the real CLI in a child process (started by bench/_child.py); its wall time gives rows/s and wait4 gives that child's
own peak RSS. Running a 10x smaller file alongside shows whether memory grows with the file (it should not).

    python -m bench import_rows [--rows 1000000] [--customers 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench._child import Child
from bench.generate import RESULTS, Dataset, write_postgres, write_sqlite


def write_events_csv(path: Path, rows: int, customers: int) -> None:
    """Events in the import's column contract, streamed to disk (the generator's memory stays small)."""
    data = Dataset(customers, rows, seed=1)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["customer_id", "name", "occurred_at", "amount", "sku"])
        for customer_id, name, stamp, properties in data.event_rows():
            amount, sku = ("49.00", "SKU-PRO-MONTH") if properties != "{}" else ("", "")
            writer.writerow([f"cus_{customer_id - 1:07d}", name, stamp[:19].replace(" ", "T") + "Z", amount, sku])


def write_customers_csv(path: Path, rows: int) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "email", "first_name", "timezone", "created_at", "plan", "lifetime_value"])
        for i in range(rows):
            writer.writerow([f"new_{i:07d}", f"new{i}@example.com", f"First{i % 997}", "Europe/Paris",
                             "2026-01-02T03:04:05+01:00", ("free", "pro")[i % 2], f"{i % 500}.50"])


def run_import(kind: str, csv_path: Path, config: Path) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MiB, summary line) of one `rekindle import` in a child process.
    CPU time is the fairer speed figure on a shared machine."""
    command = [sys.executable, "-m", "engine", "import", kind, str(csv_path), "-c", str(config)]
    child = Child(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.process.stdout.read() if child.process.stdout else ""
    usage = child.finish()
    if usage.returncode != 0:
        raise SystemExit(f"import failed ({usage.returncode}):\n{output}")
    return usage.wall, usage.cpu, usage.peak_mib, output.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the large file")
    parser.add_argument("--customers", type=int, default=100_000, help="customers already in the store")
    parser.add_argument("--postgres", metavar="URL", help="import into this (emptied) PostgreSQL database")
    args = parser.parse_args(argv)
    work = RESULTS / "import"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sizes = [args.rows // 10, args.rows]
    for rows in sizes:
        write_events_csv(work / f"events-{rows}.csv", rows, args.customers)
    write_customers_csv(work / f"customers-{args.rows}.csv", args.rows)
    print(f"{'file':<28} {'rows':>10} {'wall s':>8} {'rows/s':>9} {'CPU s':>8} {'rows/CPU s':>10} {'peak RSS':>9}")
    for kind, rows in [("events", sizes[0]), ("events", sizes[1]), ("customers", args.rows)]:
        config = work / "rekindle.yaml"
        if args.postgres:
            _reset_postgres(args.postgres)
            write_postgres(args.postgres, Dataset(args.customers, 0))
            url = args.postgres
        else:
            store = work / "store.db"
            for leftover in work.glob("store.db*"):
                leftover.unlink()
            write_sqlite(store, Dataset(args.customers, 0))
            url = f"sqlite:///{store}"
        config.write_text(f"version: 1\nstore:\n  url: '{url}'\n")
        csv_path = work / f"{kind}-{rows}.csv"
        seconds, cpu, rss, summary = run_import(kind, csv_path, config)
        print(f"{csv_path.name:<28} {rows:>10,} {seconds:>8.1f} {rows / seconds:>9,.0f} {cpu:>8.1f} "
              f"{rows / cpu:>10,.0f} {rss:>7} MiB")
        print(f"  {summary}")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from engine.store.database import open_engine

    engine = open_engine(url)
    with engine.begin() as connection:
        for table in ("decisions", "deliveries", "enrollments", "runs", "suppressions", "events", "customers",
                      "alembic_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()


if __name__ == "__main__":
    main()
