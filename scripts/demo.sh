#!/usr/bin/env bash
# The main job on the bundled sample data: requests over the sample DMV export.
#   1. ICE asks, solely for civil immigration enforcement, with no court order -> protected
#      fields withheld;
#   2. ERO Denver claims an HSI "subpoena" on the command line -> a claim: logged, lifts nothing;
#   3. a detective asks for a criminal investigation with a court order: the request is opened,
#      a reviewer (not the requester) checks the order and accepts it, and the export runs under
#      the reviewed request -> released whole.
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
echo "== 2. ERO Denver states a criminal investigation and types an HSI subpoena (a claim) =="
redactor redact "$input" -o out/ero_claim.csv -q \
  --map field_maps/dmv.yaml --table drivers \
  --purpose criminal_investigation --agency "ICE ERO Denver" --requester "Deportation officer" \
  --evidence "subpoena:HSI-25-0042"
echo "(out/ero_claim.csv: protected fields withheld; the claim is in the log)"

echo
echo "== 3. Criminal investigation with a court order: open -> review -> redact =="
printf 'Order 2026CR1234, Denver District Court (synthetic sample document)\n' > out/order_2026CR1234.txt
id=$(redactor request open --agency "Denver Police Department" \
       --requester "Det. A. Synthetic" --purpose criminal_investigation \
       --evidence "court_order:2026CR1234;issuer=state_court")
echo "opened request $id"
redactor request review "$id" --reviewer "Sgt. B. Reviewer" \
  --accept court_order:2026CR1234 --document out/order_2026CR1234.txt \
  --note "order checked with the court clerk"
redactor redact "$input" -o out/court_order.csv \
  --map field_maps/dmv.yaml --table drivers --request "$id"
echo
redactor request show "$id"

echo
echo "== Request log ($REDACTOR_LOG) =="
redactor log list
redactor log verify
echo
echo "Outputs: out/ice_civil.csv, out/ero_claim.csv, out/court_order.csv (each with a .manifest.json beside it)"
