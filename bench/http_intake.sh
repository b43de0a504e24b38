#!/usr/bin/env bash
# Durable intake through the HTTP API: starts build/vigie on a temporary data directory and
# loopback port, drives POST /api/v1/reports with wrk, then counts what was stored.
# Usage: bench/http_intake.sh [connections=64] [seconds=10] [threads=2]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
connections=${1:-64}
seconds=${2:-10}
threads=${3:-2}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/vigie serve --demo --data "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/http_intake.lua \
  "http://127.0.0.1:$port/"
echo "reports stored: $(sqlite3 "$data/vigie.sqlite3" 'SELECT COUNT(*) FROM reports')"
