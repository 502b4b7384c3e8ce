#!/usr/bin/env bash
# The main job on the bundled sample data: two requests over the sample DMV export.
#   1. ICE asks, solely for civil immigration enforcement, with no court order -> protected
#      fields withheld;
#   2. a detective asks for a criminal investigation with a court order -> released whole.
# Everything goes to out/; the request log is out/requests.sqlite3 (unless REDACTOR_LOG is set).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
export REDACTOR_LOG="${REDACTOR_LOG:-$PWD/out/requests.sqlite3}"
input=sample_data/dmv_drivers.csv

echo "== 1. ICE, civil immigration enforcement only, no court order =="
redactor redact "$input" -o out/ice_civil.csv \
  --map field_maps/dmv.yaml --table drivers \
  --purpose civil_immigration_enforcement --agency ICE --requester "ERO Denver field office"

echo
echo "== 2. Criminal investigation with a court order =="
redactor redact "$input" -o out/court_order.csv \
  --map field_maps/dmv.yaml --table drivers \
  --purpose criminal_investigation --evidence court_order:2026CR1234 \
  --agency "Denver Police Department" --requester "Det. A. Synthetic"

echo
echo "== Request log ($REDACTOR_LOG) =="
redactor log list
redactor log verify
echo
echo "Outputs: out/ice_civil.csv, out/court_order.csv (each with a .manifest.json beside it)"
