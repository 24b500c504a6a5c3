#!/usr/bin/env bash
# Install the test dependencies and run the whole suite.
# SQLite by default; set LIANXIN_TEST_DATABASE_URL=postgresql://... to run it on PostgreSQL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
EXTRAS=dev bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
