FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY accounts ./accounts
COPY notifications ./notifications
COPY spaces ./spaces
RUN pip install .
COPY . .
RUN mkdir -p /app/media /app/staticfiles && useradd --create-home campus && chown -R campus /app
USER campus
EXPOSE 8000
CMD ["bin/web"]
