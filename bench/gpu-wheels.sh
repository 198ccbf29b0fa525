#!/usr/bin/env bash
# Run here, where the package registries answer, before a GPU check: fetch as wheels what the
# lent GPU machine lacks to run the suite and the benchmarks, into .whl/ (ignored by git). That
# machine's image has Python 3.12 with NumPy, CuPy (for CUDA 13), pytest's helpers and PyYAML,
# but not Flask and the rest, and it reaches no registry: the device tool carries .whl there
# (64 MiB at most with the working tree). Then run bench/gpu-check.sh there.
#
#   bash bench/gpu-wheels.sh            # for the GPU machine (CPython 3.12, x86-64 Linux)
#   PYTHON_VERSION=3.11 bash bench/gpu-wheels.sh   # to rehearse bench/gpu-check.sh here
set -euo pipefail
cd "$(dirname "$0")/.."
version=${PYTHON_VERSION:-3.12}

grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >>.git/info/exclude
rm -rf .whl && mkdir .whl
# The test requirements without CuPy (the image has its own build for its CUDA), NumPy (CuPy is
# built against the image's), Playwright (no browser there: the browser tests skip) and ruff
# (a linter, no test needs it).
cat requirements.txt requirements-dev.txt | grep -v -E '^(#|-r|$)' |
  grep -v -i -E '^(cupy|numpy|playwright|ruff)' >.whl/requirements.txt
python3 -m pip download --quiet --only-binary=:all: --python-version "$version" --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64 --platform any \
  -d .whl -r .whl/requirements.txt
echo "$version" >.whl/python-version # bench/gpu-check.sh refuses wheels for another Python
du -sh .whl
