#!/usr/bin/env bash
# Evaluates kiln's built-in policy bundle over the same generated documents
# with kiln (bench/policy/kilneval: load, compile once, evaluate every
# document) and with conftest (`conftest test` over the raw files, the same
# Rego bundle plus the entry package in bench/policy/conftest/main.rego),
# one process each, and prints both times and the ratio.
#
#   bench/policy/run.sh            # 2,000 documents
#   DOCS=5000 bench/policy/run.sh
#
# Both sides pay for reading and parsing the YAML and compiling the Rego;
# see bench/policy/conftest/main.rego for what conftest cannot do alike.
# kiln evaluates documents on all cores, conftest on one: the wall ratio
# includes that, the cpu ratio does not.
set -euo pipefail
cd "$(dirname "$0")/../.."

DOCS=${DOCS:-2000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

CONFTEST=$(command -v conftest || true)
if [ -z "$CONFTEST" ]; then
	CONFTEST="$(go env GOPATH)/bin/conftest"
	[ -x "$CONFTEST" ] || go install github.com/open-policy-agent/conftest@latest
fi
"$CONFTEST" --version | head -1

go build -o "$WORK/kilneval" ./bench/policy/kilneval
go run ./bench/policy/gen -docs "$DOCS" -data "$WORK/data" "$WORK/repo"

# The bundle without its unit tests, for conftest.
mkdir -p "$WORK/policy"
for f in policy/bundle/*.rego; do
	case "$f" in *_test.rego) ;; *) cp "$f" "$WORK/policy/" ;; esac
done
cp bench/policy/conftest/main.rego "$WORK/policy/"

TIMEFORMAT='%R %U %S'
RUNS=${RUNS:-3}

# best RUNS CMD... runs CMD RUNS times and keeps the fastest run's
# "wall user sys" (other processes on the machine only ever slow a run down).
best() {
	local out=$1; shift
	: >"$WORK/times"
	for _ in $(seq "$RUNS"); do
		{ time "$@" >"$out" 2>&1; } 2>>"$WORK/times" || true
	done
	sort -n "$WORK/times" | head -1
}

echo "== kiln ($RUNS runs, fastest kept)"
read -r kr ku ks < <(best "$WORK/kiln.out" "$WORK/kilneval" "$WORK/repo")
cat "$WORK/kiln.out"

echo "== conftest ($RUNS runs, fastest kept)"
read -r cr cu cs < <(best "$WORK/conftest.out" "$CONFTEST" test --no-color --policy "$WORK/policy" --data "$WORK/data" "$WORK/repo")
tail -1 "$WORK/conftest.out"

awk -v kr="$kr" -v ku="$ku" -v ks="$ks" -v cr="$cr" -v cu="$cu" -v cs="$cs" -v docs="$DOCS" -v cpus="$(nproc)" 'BEGIN {
	printf "kiln:     %6.2fs wall, %6.2fs cpu\n", kr, ku + ks
	printf "conftest: %6.2fs wall, %6.2fs cpu\n", cr, cu + cs
	printf "ratio (conftest/kiln) over %d documents on %d cpus: %.1fx wall, %.1fx cpu\n", docs, cpus, cr / kr, (cu + cs) / (ku + ks)
}'
