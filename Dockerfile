FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY notifier ./notifier
COPY schedules ./schedules
COPY templates ./templates
RUN pip install --no-cache-dir -e . && useradd --create-home notifier && mkdir -p var \
    && chown notifier var
USER notifier
ENV NOTIFIER_SCHEDULES_DIR=/app/schedules NOTIFIER_TEMPLATES_DIR=/app/templates
CMD ["notifier", "--help"]
