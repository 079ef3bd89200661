#!/bin/sh
# The GPU benchmark (tests/gpu/bench.py says what it measures).
#   tests/gpu/bench.sh                on the GPU machine, after tests/gpu/run.sh
#                                     built build-gpu: writes $OUT/bench.json
#   tests/gpu/bench.sh --cpu-dry-run  here, on the CPU with tiny shapes, to
#                                     prove the script before it spends device
#                                     time (CI runs this); writes build/bench-dry-run.json
set -eu
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--cpu-dry-run" ]; then
    make -s lib >/dev/null
    exec "${PYTHON:-.venv/bin/python}" tests/gpu/bench.py "${BUILD:-build}" \
        "${BUILD:-build}/bench-dry-run.json" --cpu-dry-run --slice 0.01 "$@"
fi
exec python3 tests/gpu/bench.py "${BUILD:-build-gpu}" "${OUT:-build-gpu}/bench.json" "$@"
