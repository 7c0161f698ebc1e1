#!/usr/bin/env bash
# `make demo`: the main job end to end on the embedded default (SQLite in demo/, example data, shipped rules).
# Re-runnable: every run starts from an empty demo/ folder. The reference date is fixed so output is stable.
set -euo pipefail
cd "$(dirname "$0")/.."

REKINDLE="${REKINDLE:-.venv/bin/rekindle}"
NOW="2026-11-23T09:00:00Z"   # the date examples/generate.py built the data around; the timeline below follows it
# Pin the demo to its own SQLite store and maildir outbox whatever the environment says: the demo must never
# touch a production store that REKINDLE_STORE_URL might point at.
export REKINDLE_STORE_URL="sqlite:///demo/rekindle.db"
export REKINDLE_DELIVERY=maildir
export REKINDLE_CONFIG=rekindle.yaml

step() { printf '\n== %s\n' "$*"; }

step "Fresh demo folder"
rm -rf demo
mkdir -p demo/outbox

step "Validate the shipped rules, segments and templates (rekindle validate)"
"$REKINDLE" validate

step "Run the campaigns' unit tests in rule_tests/ (rekindle test: a frozen clock, a throwaway store)"
"$REKINDLE" test

step "Create the store (rekindle db init)"
"$REKINDLE" db init

step "Import the example customers and events"
"$REKINDLE" import customers examples/data/customers.csv
"$REKINDLE" import events examples/data/events.csv

step "Every name the rules use is in the data (rekindle validate --against-store)"
"$REKINDLE" validate --against-store

step "Audience of every campaign on $NOW"
"$REKINDLE" audience --now "$NOW"

step "Plan: what \`rekindle run\` would do at $NOW (changes nothing)"
"$REKINDLE" plan --now "$NOW"

# The unsubscribe links are signed with this secret; production sets its own in the environment.
export REKINDLE_UNSUBSCRIBE_SECRET="${REKINDLE_UNSUBSCRIBE_SECRET:-demo-only-not-a-secret}"

quiet_customer="$("$REKINDLE" audience winback-90 --now "$NOW" --limit 1 --format csv | sed -n 2p | cut -d, -f1)"
step "Preview the win-back offer for $quiet_customer (HTML in demo/offer.html, the whole message in demo/offer.eml)"
"$REKINDLE" preview winback-90 offer --customer "$quiet_customer" --now "$NOW" \
  --html demo/offer.html --eml demo/offer.eml

step "Run the campaigns at $NOW: enrol, queue, send to demo/outbox"
"$REKINDLE" run --now "$NOW"

step "Run again at $NOW: nothing is sent twice"
"$REKINDLE" run --now "$NOW" --format json | .venv/bin/python -c \
  'import json, sys; r = json.load(sys.stdin); print("queued:", r["totals"].get("queued", 0), "sent:", r["delivery"]["sent"])'
echo "emails in demo/outbox: $(find demo/outbox/new -type f | wc -l)"

# Every 4 hours, as a scheduler would: send windows are 9 hours of each customer's local day, so a tick
# always falls inside one whatever the timezone (a daily tick at 09:00 UTC would never reach New York).
step "Rehearse the next two weeks, a tick every 4 hours (rekindle simulate, on a copy of the store)"
"$REKINDLE" simulate --from 2026-11-23T13:00:00Z --to 2026-12-07T09:00:00Z --every 4h | grep -v ": nothing$"

step "Preview gallery of every email: demo/gallery/index.html"
"$REKINDLE" preview --gallery demo/gallery --now "$NOW"

# The fortnight after $NOW really happens now (not on a copy): customers buy, log in and refer friends
# (examples/data/events-later.csv), and the scheduler runs on working days, in office hours for most zones.
step "Two weeks later: import what customers did after $NOW, run the campaigns on working days"
"$REKINDLE" import events examples/data/events-later.csv
for tick in 2026-11-24T14:00:00Z 2026-11-26T14:00:00Z 2026-11-30T14:00:00Z 2026-12-02T14:00:00Z \
            2026-12-04T14:00:00Z 2026-12-07T09:00:00Z; do
  "$REKINDLE" run --now "$tick" --format json | .venv/bin/python -c \
    'import json, sys; r = json.load(sys.stdin); t = r["totals"]; print(sys.argv[1], "queued:", t.get("queued", 0), "converted:", t.get("converted", 0), "exited:", t.get("exited", 0))' "$tick"
done

step "Report: did the campaigns work? (rekindle report; charts in demo/report.html)"
"$REKINDLE" report winback-90 welcome --now 2026-12-07T09:00:00Z --html demo/report.html
