#!/usr/bin/env bash
# `make demo`: the main job end to end on the embedded default (SQLite in demo/, example data, shipped rules).
# Re-runnable: every run starts from an empty demo/ folder. The reference date is fixed so output is stable.
set -euo pipefail
cd "$(dirname "$0")/.."

REKINDLE="${REKINDLE:-.venv/bin/rekindle}"
NOW="${REKINDLE_DEMO_NOW:-2026-11-23T09:00:00Z}"   # the date examples/generate.py built the data around
# Pin the demo to its own SQLite store and maildir outbox whatever the environment says: the demo must never
# touch a production store that REKINDLE_STORE_URL might point at.
export REKINDLE_STORE_URL="sqlite:///demo/rekindle.db"
export REKINDLE_DELIVERY=maildir
export REKINDLE_CONFIG=rekindle.yaml

step() { printf '\n== %s\n' "$*"; }

step "Fresh demo folder"
rm -rf demo
mkdir -p demo/outbox

step "Create the store (rekindle db init)"
"$REKINDLE" db init

step "Import the example customers and events"
"$REKINDLE" import customers examples/data/customers.csv --now "$NOW"
"$REKINDLE" import events examples/data/events.csv

if "$REKINDLE" audience --help >/dev/null 2>&1; then
  step "Audience of every campaign on $NOW"
  "$REKINDLE" audience --now "$NOW"
fi

# ---------------------------------------------------------------------------------------------------------
# Later steps (run engine, delivery) go below this line: run the campaigns at $NOW, then show the outbox.
# ---------------------------------------------------------------------------------------------------------
