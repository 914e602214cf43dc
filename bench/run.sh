#!/usr/bin/env bash
# The benchmark: gunicorn serving the app (PostgreSQL when BENCH_DATABASE_URL is set, else a
# fresh SQLite file), wrk loading the pages patients open most, on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
WORKERS=${BENCH_WORKERS:-2}
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
WORK=$(mktemp -d)
trap 'kill $(cat "$WORK/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

export CLINIC_ENV=development FLASK_APP=wsgi LOG_LEVEL=WARNING
export DATABASE_URL=${BENCH_DATABASE_URL:-sqlite:///$WORK/bench.sqlite3}
export MAIL_SINK_DIR=$WORK/mail  # nothing is sent from a request; no worker runs here
$BIN/flask db upgrade >/dev/null 2>&1
$BIN/flask seed >/dev/null
$BIN/gunicorn --bind 127.0.0.1:$PORT --workers $WORKERS --pid "$WORK/pid" --daemon wsgi:app
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=bench/results/$stamp.txt
echo "database: ${DATABASE_URL%%:*}  workers: $WORKERS  connections: $CONNECTIONS  duration: $DURATION" | tee "$report"
printf '%-52s %12s %12s %12s\n' "page" "requests/s" "p50" "p99" | tee -a "$report"
for path in / /articles/ /articles/leg-weakness-symptoms-causes-treatment /locations/fairfax /office-update /book/ /healthz; do
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  printf '%-52s %12s %12s %12s %s\n' "$path" "$rps" "$p50" "$p99" "$errors" | tee -a "$report"
done
echo "saved to $report"
