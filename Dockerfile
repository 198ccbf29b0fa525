# syntax=docker/dockerfile:1
#
# Backprop Grader images. Two targets:
#   docker build --target cpu -t backprop-grader:0.1.0 .       # NumPy engine, python:3.11-slim
#   docker build --target gpu -t backprop-grader-gpu:0.1.0 .   # CuPy engine, NVIDIA CUDA 12 runtime
# Both run gunicorn on port 8000 as the unprivileged user 10001 and ship only the Python packages
# (service/, schemas/) and the gunicorn config (see .dockerignore). Linted in CI with hadolint (tests/test_deploy.py).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-runtime-ubuntu22.04

# ---------------------------------------------------------------- cpu: dependencies
FROM ${PYTHON_IMAGE} AS cpu-deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# Only the requirement file is copied here, so this layer is rebuilt only when the pins change.
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# ---------------------------------------------------------------- cpu: runtime image
FROM ${PYTHON_IMAGE} AS cpu
LABEL org.opencontainers.image.title="backprop-grader" \
      org.opencontainers.image.description="Backprop Grader web service (CPU, NumPy engine)"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    GRADER_ENGINE=numpy \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc
RUN groupadd --system --gid 10001 grader \
 && useradd --system --uid 10001 --gid grader --home-dir /app --no-create-home --shell /usr/sbin/nologin grader
COPY --from=cpu-deps /opt/venv /opt/venv
WORKDIR /app
# Flask's instance folder (default SQLite database) is the only place the app writes to.
RUN mkdir -p /app/instance && chown grader:grader /app/instance
COPY deploy/gunicorn.conf.py /app/deploy/gunicorn.conf.py
COPY schemas/ /app/schemas/
COPY service/ /app/service/
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py"]
CMD ["service:create_app()"]

# ---------------------------------------------------------------- gpu: dependencies
FROM ${CUDA_IMAGE} AS gpu-deps
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# Ubuntu 22.04 packages Python 3.11 (universe); its versions follow the pinned CUDA base tag.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt requirements-gpu.txt /tmp/
RUN python3.11 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements-gpu.txt

# ---------------------------------------------------------------- gpu: runtime image
FROM ${CUDA_IMAGE} AS gpu
LABEL org.opencontainers.image.title="backprop-grader-gpu" \
      org.opencontainers.image.description="Backprop Grader web service (GPU, CuPy engine on CUDA 12)"
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    GRADER_ENGINE=auto \
    CUPY_CACHE_DIR=/tmp/cupy-kernel-cache \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 grader \
 && useradd --system --uid 10001 --gid grader --home-dir /app --no-create-home --shell /usr/sbin/nologin grader
COPY --from=gpu-deps /opt/venv /opt/venv
WORKDIR /app
RUN mkdir -p /app/instance && chown grader:grader /app/instance
COPY deploy/gunicorn.conf.py /app/deploy/gunicorn.conf.py
COPY schemas/ /app/schemas/
COPY service/ /app/service/
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py"]
CMD ["service:create_app()"]
