#!/usr/bin/env bash
# Peak resident memory of the whole `kiln serve` process (the real binary,
# against the GitHub and Image Builder emulators) on pull-request jobs of a
# generated repository: issue 8's 10,000 component versions, 40 recipes and
# 10 pipelines. One pull request, then four at once on a fresh process.
# Prints peak RSS (VmHWM), the idle baseline, RSS 5 s after and wall time.
#
#   bench/memory/run.sh
#   COMPONENTS=20000 bench/memory/run.sh
#   KILN_BENCH_ENV="KILN_MEMORY_LIMIT=1GiB KILN_WORKERS=4" bench/memory/run.sh
#
# Targets (issue 8): one job under 400 MB, four at once under 800 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
export KILN_BENCH_MEMORY=1
go test ./e2e -run '^TestBenchServeMemory$' -count 1 -v -timeout 30m | grep -E '^kiln serve,|repository:|^(ok|FAIL|---)'
echo "targets: one PR job under 400 MB, four at once under 800 MB"
go test -run '^$' -bench 'BenchmarkCheckGenerated' -benchmem -benchtime 3x ./check | grep '^Benchmark' || true
go test -run '^$' -bench 'BenchmarkLoadRetained' -benchtime 2x ./loader | grep '^Benchmark' || true
