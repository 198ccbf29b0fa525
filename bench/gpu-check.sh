#!/usr/bin/env bash
# On a lent GPU machine (the device tool), after bench/gpu-wheels.sh here, in one call:
#   run: bash bench/gpu-check.sh    carry: [".whl"]    timeout_s: 600    (about 6 minutes)
# Installs the carried wheels, runs the whole suite with every computation on CuPy
# (GRADER_ENGINE=cupy, GRADER_GPU_CROSSOVER=0), then the engine benchmark (which adds the CuPy
# rows) and bench/crossover.py. The logs and the rewritten docs/performance.md go to $OUT: copy
# it over docs/performance.md here, and set DEFAULT_GPU_CROSSOVER (service/engine/backend.py)
# to the crossover it reports. GPU_CHECK_ENGINE=numpy rehearses the whole run without a GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
engine=${GPU_CHECK_ENGINE:-cupy}
python=${PYTHON:-python3}
mkdir -p "$out"

"$python" -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/gpu-check-site .whl/*.whl || exit 1
export PYTHONPATH="/tmp/gpu-check-site:$PWD" PATH="/tmp/gpu-check-site/bin:$PATH" PYTHONUNBUFFERED=1
{ nvidia-smi || echo "no nvidia-smi"; "$python" --version; "$python" -c 'import numpy; print("numpy", numpy.__version__)'; } \
  >"$out/machine.txt" 2>&1

failed=0
GRADER_ENGINE=$engine GRADER_GPU_CROSSOVER=0 "$python" -m pytest -q -p no:cacheprovider -r s 2>&1 |
  tee "$out/tests-$engine.log" | tail -n 25 || failed=1
"$python" -m bench.engine 2>&1 | tee "$out/bench-engine.log" || failed=1
"$python" -m bench.crossover 2>&1 | tee "$out/bench-crossover.log" || failed=1
cp docs/performance.md "$out/performance.md"
exit "$failed"
