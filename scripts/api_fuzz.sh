#!/usr/bin/env bash
# Property-based checks of the JSON API: schemathesis against /api/openapi.json, served by a real uvicorn
# process on a free port with a freshly migrated SQLite database (demo city) and an admin API key.
# Fails on any 500 or any response that breaks the OpenAPI document (status codes, content types, schemas).
# FUZZ_EXAMPLES bounds the examples per operation (default 20).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=$(mktemp -d)
export LIANXIN_DATABASE_URL="sqlite:///${work}/fuzz.db" LIANXIN_NOTIFY_SENDER=file \
       LIANXIN_NOTIFY_FILE="${work}/outbox.jsonl" LIANXIN_UPLOAD_DIR="${work}/uploads"
.venv/bin/lianxin demo --appeals 60 --days 10 >/dev/null
key=$(.venv/bin/lianxin apikey create --name schemathesis --role admin --unit CENTRE | tail -n 1)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python -m uvicorn lianxin.app:create_app --factory --host 127.0.0.1 --port "$port" --log-level warning &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
  .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null && break
  sleep 0.2
done
.venv/bin/schemathesis run "http://127.0.0.1:${port}/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,coverage,fuzzing --max-examples "${FUZZ_EXAMPLES:-20}" --seed 2026 --workers 1 \
  --header "Authorization: Bearer ${key}" --suppress-health-check all --request-timeout 30
