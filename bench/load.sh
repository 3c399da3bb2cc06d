#!/usr/bin/env bash
# Both load scenarios of bench/load.py (about three minutes each, bounded by wrk's -d).
# Needs PostgreSQL and Redis on this machine, wrk, and the PostgreSQL server binaries for
# the restart scenario (it restarts a cluster of its own, never the machine's).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || { echo "run 'make test' (or make run) once first to create .venv" >&2; exit 1; }
timeout 600 "$PY" bench/load.py steady "$@"
timeout 600 "$PY" bench/load.py pg-restart "$@"
