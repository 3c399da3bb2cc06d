# Newsroom web image: gunicorn serving Django with production settings.
FROM python:3.12-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system newsroom && useradd --system --gid newsroom --home /app newsroom

COPY pyproject.toml README.md ./
COPY newsroom ./newsroom
COPY articles ./articles
COPY authors ./authors
RUN pip install .

COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs settings that load; these values exist only for this build step.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret-build-only-not-secret-xx ALLOWED_HOSTS=build \
    STATIC_ROOT=/app/staticfiles ENV_FILE= python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media && chown -R newsroom:newsroom /app/media

ENV STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    DEBUG=0

USER newsroom
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
