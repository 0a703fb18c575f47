#!/bin/sh
# PR feedback latency: from a pull_request delivery's POST to kiln/validate
# and kiln/policy both completed, with `kiln serve` running as a process
# against the GitHub and Image Builder emulators on loopback. Measured for
# examples/ and for a generated repository of 2,000 components, 200 recipes
# and 50 pipelines (internal/testgen). Each round pushes a new head and
# sends its delivery; the time includes the emulator repacking the
# repository for the fetch. Prints one line per repository:
#   prfeedback NAME: files=N rounds=R min=… median=… max=…
#
# Usage: bench/prfeedback/run.sh [ROUNDS]   (default 5)
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! KILN_E2E_PRFEEDBACK=1 KILN_E2E_PRFEEDBACK_ROUNDS="${1:-5}" \
	go test ./e2e/ -run '^TestPRFeedbackLatency$' -count=1 -v -timeout 30m >"$out" 2>&1; then
	cat "$out"
	exit 1
fi
grep '^prfeedback ' "$out"
