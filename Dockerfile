# procurebot: `docker build -t registry.example.com/procurebot:0.1.0 .`
# Stage 1 builds the procurebot wheel and a wheel of every dependency (PyICU compiles here);
# stage 2 installs them, not editable, and runs as an unprivileged user.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# PyICU has no binary wheel on PyPI: it builds against ICU's headers with a C++ compiler.
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ pkg-config libicu-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY workspace ./workspace
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
# ICU at run time (the version Debian bookworm's libicu-dev built PyICU against).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu72 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-index --find-links /tmp/wheels procurebot \
    && rm -rf /tmp/wheels
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/procurebot procurebot
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000
# The default DATABASE_URL is a SQLite file in the working directory; compose and Kubernetes
# set a PostgreSQL one.
WORKDIR /home/procurebot
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["procurebot", "serve"]
