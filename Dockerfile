FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data PORT=8181
WORKDIR /app

# pg_dump/pg_restore for the backups of a PostgreSQL database (manage.py backup / restore).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 tautulli \
    && mkdir -p /data && chown -R tautulli:tautulli /data /app
USER tautulli

VOLUME ["/data"]
EXPOSE 8181
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8181/health', timeout=4).status == 200 else 1)"

CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py rebuild_stats --if-needed && python manage.py collectstatic --noinput -v0 && python manage.py bootstrap && (python manage.py qcluster &) && (python manage.py monitor &) && exec gunicorn tautulli_project.wsgi:application --bind 0.0.0.0:${PORT} --workers 2 --threads 4 --config gunicorn.conf.py"]
