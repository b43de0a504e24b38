#!/usr/bin/env bash
# Durable intake through the HTTP API on either database, with one or more nodes: starts a
# throw-away PostgreSQL server (fsync on, as in production; tests/blackbox/lib/postgres.mjs) when
# asked, NODES `vigie serve` processes on it (or one on a SQLite file), and one wrk per node,
# all at once, each with CONNECTIONS/NODES connections; then counts what was stored.
# Usage: bench/http_intake_nodes.sh sqlite|postgresql [nodes=1] [connections=64] [seconds=10]
# VIGIE_BIN picks the binary (default build/vigie).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
backend=${1:?usage: bench/http_intake_nodes.sh sqlite|postgresql [nodes] [connections] [seconds]}
nodes=${2:-1}
connections=${3:-64}
seconds=${4:-10}
vigie=${VIGIE_BIN:-build/vigie}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
if [[ $backend == sqlite && $nodes != 1 ]]; then
  echo "SQLite serves one node" >&2
  exit 64
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n ${pgdir:-} ]]; then node tests/blackbox/lib/postgres.mjs stop "$pgdir"; fi
  if [[ -n ${VIGIE_BENCH_KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

database=()
count_reports() { sqlite3 "$work/node1/vigie.sqlite3" 'SELECT COUNT(*) FROM reports'; }
if [[ $backend == postgresql ]]; then
  # A directory of its own: as root, the server runs as the postgres user, who must reach it.
  pgdir=$(mktemp -d /tmp/vigie-bench-pg-XXXXXX)
  admin=$(node tests/blackbox/lib/postgres.mjs start "$pgdir" durable)
  psql -X -q -d "$admin" -c 'CREATE DATABASE bench OWNER vigie'
  url=${admin/\/\/postgres:/\/\/vigie:}
  url=${url%/postgres}/bench
  database=(--database "$url")
  count_reports() { psql -X -At -d "$url" -c 'SELECT COUNT(*) FROM reports'; }
fi

ports=()
for n in $(seq "$nodes"); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  demo=()
  if ((n == 1)); then demo=(--demo); fi
  mkdir "$work/node$n"
  "$vigie" serve "${demo[@]}" --data "$work/node$n" "${database[@]}" --listen "127.0.0.1:$port" \
    >"$work/node$n/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  ports+=("$port")
done

per_node=$((connections / nodes))
for n in $(seq "$nodes"); do
  wrk -t1 -c"$per_node" -d"${seconds}s" --latency -s bench/http_intake.lua \
    "http://127.0.0.1:${ports[$((n - 1))]}/" >"$work/wrk$n.txt" 2>&1 &
  wrkers+=($!)
done
wait "${wrkers[@]}"

total=0
for n in $(seq "$nodes"); do
  echo "--- node $n"
  grep -E 'Requests/sec|requests:|latency p(50|99):' "$work/wrk$n.txt"
  rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk$n.txt")
  total=$(python3 -c "print(round($total + $rate))")
done
echo "backend=$backend nodes=$nodes connections=$connections reports/s (all nodes)=$total"
echo "reports stored: $(count_reports)"
