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

step "Plan: what \`rekindle run\` would do at $NOW (changes nothing)"
"$REKINDLE" plan --now "$NOW"

step "Run the campaigns at $NOW: enrol, queue, send to demo/outbox"
# The unsubscribe links are signed with this secret; production sets its own in the environment.
export REKINDLE_UNSUBSCRIBE_SECRET="${REKINDLE_UNSUBSCRIBE_SECRET:-demo-only-not-a-secret}"
"$REKINDLE" run --now "$NOW"

step "Run again at $NOW: nothing is sent twice"
"$REKINDLE" run --now "$NOW" --format json | .venv/bin/python -c \
  'import json, sys; r = json.load(sys.stdin); print("queued:", r["totals"].get("queued", 0), "sent:", r["delivery"]["sent"])'
echo "emails in demo/outbox: $(find demo/outbox -type f | wc -l)"

step "Rehearse the next two weeks (rekindle simulate, on a copy of the store)"
"$REKINDLE" simulate --from "$NOW" --to "$(.venv/bin/python -c 'import sys; from datetime import timedelta; from engine.timeutil import parse_instant; print((parse_instant(sys.argv[1]) + timedelta(days=14)).isoformat())' "$NOW")" --every 1d | tail -n 16
