#!/bin/sh
# Webhook intake load test: signed deliveries over loopback HTTP into the real
# embedded JetStream queue on disk; prints deliveries/s and 202 latencies.
# Usage: bench/intake/run.sh [-n 20000] [-c 8] [-payload FILE] [-event NAME]
set -eu
cd "$(dirname "$0")/../.."
exec go run ./bench/intake "$@"
