# Hubcity production image (docker-compose.yml runs it as `app` and `worker`).
# UNTESTED HERE: the project's machines have no Docker engine; tests/integration/
# test_deployment_files.py only checks this file's order and references.

# -- front-end packages (htmx, Pico CSS) from npm ---------------------------------------------
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# -- the application --------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUBCITY_ENV=production \
    HUBCITY_DATA_DIR=/data

RUN groupadd --system hubcity \
    && useradd --system --gid hubcity --home-dir /app --shell /usr/sbin/nologin hubcity
WORKDIR /app

# torch first, the CPU build: any later request for torch (sentence-transformers) is then
# satisfied, instead of pulling the multi-GB CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The project, editable: hubcity finds templates/, static/, locale/ and node_modules/ beside
# platform/ (hubcity/paths.py), so the source tree stays in /app.
COPY pyproject.toml README.md ./
COPY platform ./platform
COPY matching ./matching
RUN pip install -e ".[matching,search,payments]" \
    && python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"

COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY scripts ./scripts
COPY --from=frontend /app/node_modules ./node_modules

RUN mkdir -p /data && chown hubcity:hubcity /data
USER hubcity
VOLUME ["/data"]
EXPOSE 8000

# `hubcity serve` applies migrations, then starts; `hubcity worker` starts the job worker.
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["hubcity", "serve", "--host", "0.0.0.0", "--port", "8000"]
