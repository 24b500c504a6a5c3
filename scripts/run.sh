#!/usr/bin/env bash
# Install, migrate, load the demo city (first time only) and serve on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
.venv/bin/lianxin init
.venv/bin/lianxin demo --skip-existing
exec .venv/bin/lianxin serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
