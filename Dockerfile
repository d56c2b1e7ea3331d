# One image for web, worker and beat (docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY . .
RUN DJANGO_SECRET_KEY=build-only-not-secret-0123456789-0123456789-0123456789 \
    python manage.py collectstatic --noinput \
    && useradd --create-home stance && mkdir -p var media && chown -R stance var media

# Uploads (exercise pictures, referral letters) go to /app/media, a volume in
# docker-compose.yml; the new volume takes this directory's owner, so the app can write.
USER stance
EXPOSE 8000
CMD ["gunicorn", "clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "4", "--timeout", "30"]
