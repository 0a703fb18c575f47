#!/usr/bin/env bash
# Plan for the generated 2,000-component repository (200 recipes, 50
# pipelines) against the Image Builder emulator holding the same state,
# through the real aws-sdk-go-v2 client: the time of List+Build and the
# Image Builder calls it makes, with a warm tag cache (a running kiln) and a
# cold one (the first plan of a process), plus the apply that seeded it and
# the pure Build alone. Issue 5's target: < 2 s, and no call per unchanged
# resource beyond the paginated listings.
#
#   bench/plan/run.sh              # 5 iterations each
#   COUNT=20 bench/plan/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

COUNT=${COUNT:-5}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

go test -run '^$' -bench 'PlanEmulator|ApplyEmulator|PlanGenerated' -benchtime "${COUNT}x" ./reconciler/ | tee "$OUT"

echo
awk '
/^Benchmark/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	ns = 0; calls = "-"; tags = "-"; lists = "-"
	for (i = 2; i < NF; i++) {
		if ($(i+1) == "ns/op") ns = $i
		if ($(i+1) == "calls/op") calls = $i
		if ($(i+1) == "tagreads/op") tags = $i
		if ($(i+1) == "ListComponents/op") lists = $i
	}
	printf "%-22s %9.3f s   %6s Image Builder calls   (%s ListComponents pages, %s tag reads)\n", name, ns / 1e9, calls, lists, tags
}' "$OUT"
echo "target: PlanEmulatorWarm < 2 s with 0 tag reads (listings only)"
