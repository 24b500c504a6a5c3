#!/usr/bin/env bash
# Install, migrate, load the demo city (first time only), then serve on http://127.0.0.1:8000 with the
# background jobs (overdue sweep, urges, return visits, statistics, hotspots, …) running beside the server.
# One command, and the two stop together: Ctrl-C (or SIGTERM) stops both, and when either ends the other
# is stopped and its exit status is this script's.
#
# Environment: HOST, PORT; JOBS_EVERY (seconds between job runs, default 60); DEMO_APPEALS (size of the
# demo city, default 1200); VENV (default .venv) and SETUP=0 (skip scripts/setup.sh) for an existing install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${VENV:-.venv}"
[ "${SETUP:-1}" = 0 ] || bash scripts/setup.sh
"$venv/bin/lianxin" init
"$venv/bin/lianxin" demo --skip-existing --appeals "${DEMO_APPEALS:-1200}"

"$venv/bin/lianxin" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" &
server=$!
"$venv/bin/lianxin" jobs run --loop --every "${JOBS_EVERY:-60}" &
jobs=$!
echo "服务 / server pid $server · 后台任务 / jobs pid $jobs (每 ${JOBS_EVERY:-60} 秒 / every ${JOBS_EVERY:-60} s)"

stop() {
  trap - INT TERM
  kill -TERM "$server" "$jobs" 2>/dev/null || true
  wait "$server" "$jobs" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
status=0
wait -n "$server" "$jobs" || status=$?
stop
exit "$status"
