# syntax=docker/dockerfile:1
# demarc: a long-running Slack app (Socket Mode or HTTP). See README "Run it in a container".
#
# Stage 1 builds wheels for demarc and its pinned dependencies; stage 2 installs only those
# wheels into a clean slim image, so no compiler or pip cache reaches the final image.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip wheel --wheel-dir /wheels -r requirements/runtime.lock
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY catalogue catalogue
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="demarc" \
      org.opencontainers.image.description="Whose job is this, AWS's or ours? A Slack bot for the AWS Shared Responsibility Model." \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000 \
    DEMARC_STATE=/data/state.sqlite3
COPY --from=build /wheels /wheels
RUN pip install --no-index /wheels/*.whl \
    && rm -rf /wheels \
    && groupadd --system --gid 10001 demarc \
    && useradd --system --uid 10001 --gid demarc --home-dir /data --create-home --shell /usr/sbin/nologin demarc
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
# Both modes serve /healthz on $PORT (Socket Mode too), so one health check fits every deployment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
ENTRYPOINT ["demarc"]
CMD ["serve"]
