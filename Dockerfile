# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/bot.sqlite3
RUN useradd --create-home --uid 10001 bot \
    && mkdir /data && chown bot:bot /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER bot
WORKDIR /home/bot
VOLUME ["/data"]
# Webhook mode (WEBHOOK_URL) listens here, behind the reverse proxy that terminates HTTPS.
EXPOSE 8080
# Unhealthy when the delivery queue is stuck or, with BACKUP_DIR, the last backup is older
# than two days (python -m bot status reads the database; exit 1 = a problem).
HEALTHCHECK --interval=2m --timeout=30s --start-period=1m --retries=2 \
    CMD ["python", "-m", "bot", "status"]
CMD ["python", "-m", "bot"]
