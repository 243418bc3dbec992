# Production image: the platform on Python 3.11 (Debian 12 "bookworm"), served by `cme serve` as user cme.
#   docker build -t cme-platform .
#   docker run -e CME_SECRET_KEY=... -e CME_DATABASE_URL=postgresql://... -p 8000:8000 cme-platform
# See compose.yaml for a complete setup with PostgreSQL.

# --- build stage: resolve nothing, install exactly what uv.lock says ------------------------------------
FROM python:3.11-slim-bookworm AS build

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

RUN python -m pip install --no-cache-dir --disable-pip-version-check "uv==0.13.9"

WORKDIR /app

# Dependencies first (cached while only the sources change). No dev group, and not the `test` extra.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself, installed as a regular (non-editable) package.
COPY . .
RUN uv sync --frozen --no-dev --no-editable \
    && chmod 0755 scripts/docker-entrypoint.sh

# --- runtime stage -----------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

# WeasyPrint: Pango, and HarfBuzz's subsetter (without it each PDF takes seconds); a CJK font so that
# Chinese text renders instead of empty boxes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 cme \
    && useradd --system --uid 10001 --gid cme --home-dir /var/lib/cme --no-create-home \
        --shell /usr/sbin/nologin cme \
    && install -d -o cme -g cme -m 0750 /var/lib/cme

WORKDIR /app
COPY --from=build /app /app

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CME_DATA_DIR=/var/lib/cme \
    CME_TENANTS_DIR=/app/tenants \
    CME_HOST=0.0.0.0 \
    CME_PORT=8000 \
    CME_WORKERS=4

# the user cme, by number so that runAsNonRoot-style checks can verify it
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('CME_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]

# migrate, sync tenants, then `exec cme serve` (options are passed on, e.g. --workers 2; to move the port,
# set CME_PORT rather than --port so that the health check follows).
ENTRYPOINT ["/bin/sh", "/app/scripts/docker-entrypoint.sh"]
CMD []
