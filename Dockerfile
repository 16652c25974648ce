# citebot's container image: `docker build -t citebot .`, then see the README's "Deploying".
# Two stages: the first installs the bot into a virtual environment, with the same command and
# constraints as `make` (Makefile's PIP_INSTALL, without the dev extra); the second holds that
# environment alone, run by an unprivileged user, with the data folder a volume.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# A C compiler for the memory index's scorer (setup.py), in this stage only.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/citebot && /opt/citebot/bin/pip install --quiet --upgrade pip
COPY pyproject.toml setup.py README.md LICENSE constraints.txt ./
COPY bot bot
COPY retrieval retrieval
COPY seeds seeds
RUN /opt/citebot/bin/pip install --quiet -c constraints.txt '.[xapian]'

FROM ${PYTHON_IMAGE} AS bot
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin citebot \
    && mkdir /data && chown citebot:citebot /data
COPY --from=build /opt/citebot /opt/citebot
# The data folder (articles/, cache/, what the bot keeps between runs) is the volume; the
# servers listen on every interface of the container, published by `docker run -p`.
ENV PATH=/opt/citebot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    WEBHOOK_LISTEN=0.0.0.0 \
    METRICS_LISTEN=0.0.0.0
USER citebot
WORKDIR /data
VOLUME ["/data"]
# The webhook (with WEBHOOK_URL; it serves /healthz and /metrics too), else /healthz and /metrics.
EXPOSE 8080 9464
# /healthz: 200 once the engine is loaded and every Xapian shard answers. The start period
# covers indexing a big corpus at the first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 CMD \
    python -c "import os, urllib.request as u; e = os.environ.get; \
port = e('WEBHOOK_PORT') or '8080' if e('WEBHOOK_URL') else e('METRICS_PORT') or '9464'; \
u.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"
# SIGTERM stops the bot within 10 s, Docker's grace period (the README's "Run it").
STOPSIGNAL SIGTERM
ENTRYPOINT ["citebot"]
CMD ["run"]

# A Xapian shard server (xapian-tcpsrv, from Debian's xapian-tools), for compose's "xapian"
# profile: `docker build --target shard -t citebot-shard .`
FROM debian:bookworm-slim AS shard
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xapian-tools \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin xapian
USER xapian
EXPOSE 33333
ENTRYPOINT ["xapian-tcpsrv", "--port", "33333"]

# The default target, last: the bot.
FROM bot
