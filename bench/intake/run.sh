#!/bin/sh
# Webhook intake load test: signed deliveries over loopback HTTP into the real
# JetStream queue; prints deliveries/s and 202 latencies.
#
#   bench/intake/run.sh [-n 20000] [-c 8] [-payload FILE] [-event NAME]
#       one replica, embedded JetStream on disk
#   REPLICAS="1 2 3" bench/intake/run.sh [-n 20000] [-c 8]
#       1, 2 and 3 replicas sharing a three-node cluster of nats-server
#       processes on loopback (built from the module cache, the version in
#       go.mod), stream replicated 3 times, as the replica shape runs
set -eu
cd "$(dirname "$0")/../.."
if [ -z "${REPLICAS:-}" ]; then
	exec go run ./bench/intake "$@"
fi

WORK=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
go build -o "$WORK/nats-server" github.com/nats-io/nats-server/v2
go build -o "$WORK/intake" ./bench/intake
base=$((20000 + $$ % 20000))
routes=""
for i in 1 2 3; do
	routes="$routes${routes:+, }nats-route://127.0.0.1:$((base + 100 + i))"
done
urls=""
for i in 1 2 3; do
	mkdir -p "$WORK/n$i"
	cat >"$WORK/n$i/nats.conf" <<CONF
server_name: n$i
host: 127.0.0.1
port: $((base + i))
jetstream { store_dir: "$WORK/n$i/js" }
cluster { name: kiln-bench, host: 127.0.0.1, port: $((base + 100 + i)), routes: [$routes] }
CONF
	"$WORK/nats-server" -c "$WORK/n$i/nats.conf" >"$WORK/n$i/log" 2>&1 &
	pids="$pids $!"
	urls="$urls${urls:+,}nats://127.0.0.1:$((base + i))"
done
sleep 3 # the cluster elects its JetStream leader
for r in $REPLICAS; do
	"$WORK/intake" -nats "$urls" -replicas "$r" -stream-replicas 3 "$@"
done
