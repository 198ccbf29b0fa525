#!/usr/bin/env bash
# On a lent GPU machine (the device tool), after bench/gpu-wheels.sh here, in one call:
#   run: bash bench/gpu-check.sh    carry: [".whl"]    timeout_s: 600
# Installs the carried wheels, then, each under its own time limit so that one slow part cannot
# cost the others their results: the whole suite with every computation on CuPy
# (GRADER_ENGINE=cupy, GRADER_GPU_CROSSOVER=0), bench/crossover.py, and the engine benchmark
# (which adds the CuPy rows). The logs and docs/performance.md, copied after each benchmark, go
# to $OUT: copy it over docs/performance.md here, and set DEFAULT_GPU_CROSSOVER
# (service/engine/backend.py) to the crossover it reports.
#   GPU_CHECK_PARTS="tests crossover engine"   the parts to run (default: all three)
#   GPU_CHECK_ENGINE=numpy   rehearses the run without a GPU (docs/performance.md is restored)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
engine=${GPU_CHECK_ENGINE:-cupy}
parts=${GPU_CHECK_PARTS:-tests crossover engine}
python=${PYTHON:-python3}
mkdir -p "$out"

wanted=$(cat .whl/python-version 2>/dev/null || echo "unknown")
running=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$wanted" != "$running" ]; then
  echo "the wheels in .whl are for Python $wanted, this is $running: run PYTHON_VERSION=$running bash bench/gpu-wheels.sh" >&2
  exit 1
fi
"$python" -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/gpu-check-site .whl/*.whl || exit 1
export PYTHONPATH="/tmp/gpu-check-site:$PWD" PATH="/tmp/gpu-check-site/bin:$PATH" PYTHONUNBUFFERED=1
{ nvidia-smi || echo "no nvidia-smi"; "$python" --version; "$python" -c 'import numpy; print("numpy", numpy.__version__)'; } \
  >"$out/machine.txt" 2>&1

if [ "$engine" != cupy ]; then # a rehearsal: keep the committed measurements
  cp docs/performance.md "$out/performance.committed.md"
  trap 'cp docs/performance.md "$out/performance.md"; cp "$out/performance.committed.md" docs/performance.md' EXIT
fi
failed=0
for part in $parts; do
  case $part in
    tests)
      GRADER_ENGINE=$engine GRADER_GPU_CROSSOVER=0 timeout 240 "$python" -m pytest -q -p no:cacheprovider -r s 2>&1 |
        tee "$out/tests-$engine.log" | tail -n 25 || failed=1 ;;
    crossover)
      timeout 90 "$python" -m bench.crossover 2>&1 | tee "$out/bench-crossover.log" || failed=1 ;;
    engine) # loops over more than 10,000 single exercises are estimated from their per-exercise cost
      timeout 240 "$python" -m bench.engine --loop-limit 10000 2>&1 | tee "$out/bench-engine.log" || failed=1 ;;
    *)
      echo "unknown part $part (tests, crossover, engine)" >&2; failed=1 ;;
  esac
  cp docs/performance.md "$out/performance.md"
done
exit "$failed"
