"""Django settings, read from the environment.

With nothing set, everything lives in a data directory (``DATA_DIR``, default ``./data``): a SQLite
database in WAL mode, the generated ``SECRET_KEY`` and the image cache. ``DATABASE_URL`` switches to
PostgreSQL (``postgres://user:pass@host:5432/name``, psycopg 3). ``REDIS_URL`` switches the django-q2
broker from the ORM to Redis. ``TIME_ZONE`` is the server's local zone, used (as Tautulli does) to
read ``before``/``after`` dates and to bucket graphs.

Every variable is read through ``env`` (:class:`core.environment.Environment`): a bad value
(``WATCHED_MARKER=7``) falls back to the default and is reported by ``manage.py check`` (system
check ``core.E001``, naming the variable), never raised here. The variables and their defaults
are listed in the README (Configuration).
"""

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url

from core.environment import Environment

env = Environment()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env.path("DATA_DIR", BASE_DIR / "data")
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from ``SECRET_KEY``, else one generated once and kept in ``DATA_DIR/secret_key``."""
    if env.str("SECRET_KEY"):
        return env.str("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # unfold's templates without its default site: the admin site is core.admin_kit.site's.
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "core.admin_kit.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "ninja",  # the API docs' Swagger UI from ninja's static files, not a CDN
    "django_q",
    "axes",  # admin login throttling (see "Auth" below)
    # foundation
    "core",
    # entities
    "servers",
    "users",
    "libraries",
    "history",
    # derived data
    "stats",
    # integrations and features
    "plex",
    "tautulli_import",
    "notifications",
    "newsletters",
    "housekeeping",
    "backups",
    "exports",
    "guests",  # guest access pages (/me/)
    # operations: health, logs, settings (above every feature)
    "operations",
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tautulli_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tautulli_project.wsgi.application"

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "tautulli.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env.str("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=env.int("CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the monitor and the scheduler write. Connections
        # persist (CONN_MAX_AGE, one per thread), so each keeps its page cache (16 MB: the
        # rollups and indexes a request reads) instead of re-reading them every request.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;"
            " PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file, not Django's shared-cache in-memory database: the monitor's threads write
    # concurrently, and shared-cache SQLite fails them with "table is locked" instead of waiting.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"tautulli-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, i18n -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"
# Login throttling (django-axes): 5 wrong passwords for one username from one address lock that
# pair out for 15 minutes (the right password is refused too); `manage.py axes_reset` unlocks.
# Only the admin login goes through authenticate(): the API keys of /api/v2 and the REST API do
# not, and neither does the test client's force_login. Attempts live in the database, so each
# test starts unlocked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # its start-up line on every manage.py command; failures are still logged
AXES_LOCKOUT_CALLABLE = "core.admin_kit.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # core/admin.py shows the failed logins in the admin's style
# The client's address is the connection's: an X-Forwarded-For header is the client's to choose,
# so trusting it would let one client spread its attempts over invented addresses.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.time_zone("TIME_ZONE", fallback="TZ")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tautulli",
    },
    # Home statistics per rollup generation (stats.home_cache): files, so that the web workers
    # and the scheduler, which refreshes them after each sync, share them.
    "stats": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache" / "stats",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

# --- django-q2 ------------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "tautulli",
    # Two, so that a long task (a library refresh) never holds back a notification.
    "workers": env.int("Q_WORKERS", 2, minimum=1),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 5,
    "catch_up": False,
    "label": "Scheduled tasks",
}
if env.str("REDIS_URL"):
    Q_CLUSTER["redis"] = env.str("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"

# --- Logging --------------------------------------------------------------------------------
# Every handler redacts secrets (API key, device and Plex tokens, passwords, Authorization values,
# URL passwords: core.log_filters) from the formatted line. Django's own handlers are replaced by
# this one (its "django.server" request lines carry query strings), and django-q2 propagates
# here; gunicorn's logs are set up the same way in gunicorn.conf.py.
LOG_LEVEL = env.log_level("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"redact_secrets": {"()": "core.log_filters.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # A client's 4xx is in the access log already; Django's "Bad Request: /api/v2" warning
        # on every refused request would be per-request noise. Server errors (5xx) still log.
        "django.request": {"level": "ERROR"},
        # django-q2 says four INFO lines per scheduled run (a poll every 30 s): routine, so only
        # with LOG_LEVEL=DEBUG; its warnings and errors (a failed task) always show.
        "django-q": {"level": "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Tautulli compatibility -----------------------------------------------------------------
# The /api/v2 key: TAUTULLI_API_KEY wins; otherwise one is generated on first use and kept in the
# database (see core.models.ApiKey), shown and rotated in the admin.
TAUTULLI_API_KEY = env.str("TAUTULLI_API_KEY")
# Version reported by get_tautulli_info: clients (Overseerr) require >= v2.9.0.
TAUTULLI_COMPAT_VERSION = "v2.17.2"
# Monitoring defaults, as in Tautulli's config.ini [Monitoring] (reference section 3.6).
GROUP_HISTORY_TABLES = True
# Graphs by day of week start on Monday instead of Sunday (Tautulli's WEEK_START_MONDAY).
WEEK_START_MONDAY = env.bool("WEEK_START_MONDAY", False)
HISTORY_TABLE_ACTIVITY = True
MOVIE_WATCHED_PERCENT = env.int("MOVIE_WATCHED_PERCENT", 85, minimum=0, maximum=100)
TV_WATCHED_PERCENT = env.int("TV_WATCHED_PERCENT", 85, minimum=0, maximum=100)
MUSIC_WATCHED_PERCENT = env.int("MUSIC_WATCHED_PERCENT", 85, minimum=0, maximum=100)
# 0 = percent only; 1 = final credits marker; 2 = first credits marker; 3 = the earlier of the
# percent and the first credits marker (markers fall back to the percent when absent).
WATCHED_MARKER = env.int("WATCHED_MARKER", 3, minimum=0, maximum=3)
# Movies and episodes played for less than this many seconds are not logged (0 logs everything).
LOGGING_IGNORE_INTERVAL = env.int("LOGGING_IGNORE_INTERVAL", 120, minimum=0)
# Events (reference 3.7, 4.2). Every monitoring value here is only the default: the admin's
# "Monitoring settings" page overrides it at runtime (core.config.monitoring_value).
NOTIFY_CONCURRENT_THRESHOLD = env.int("NOTIFY_CONCURRENT_THRESHOLD", 2, minimum=0)
NOTIFY_CONCURRENT_BY_IP = env.bool("NOTIFY_CONCURRENT_BY_IP", False)
NOTIFY_RECENTLY_ADDED_DELAY = env.int("NOTIFY_RECENTLY_ADDED_DELAY", 300, minimum=0)
NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT = env.bool("NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT", True)
NOTIFY_GROUP_RECENTLY_ADDED_PARENT = env.bool("NOTIFY_GROUP_RECENTLY_ADDED_PARENT", True)
# Notifications (reference 4.2-4.5). NOTIFY_CONSECUTIVE: notify on_stop/on_resume also past the
# watched percent (Tautulli's default 1). NOTIFY_TEXT_EVAL: evaluate {`expression`} blocks in
# notification texts (sandboxed; off by default, as Tautulli). NOTIFY_SCRIPTS_DIR: the only folder
# the Script agent runs scripts from (unset: the Script agent refuses to run anything).
# NOTIFY_RETRY_DELAYS: seconds between delivery attempts (a failed delivery is retried this many
# times). NOTIFY_SERVER_UPDATE_REPEAT: notify on_pmsupdate on every check, not once per version.
NOTIFY_CONSECUTIVE = env.bool("NOTIFY_CONSECUTIVE", True)
NOTIFY_TEXT_EVAL = env.bool("NOTIFY_TEXT_EVAL", False)
NOTIFY_SCRIPTS_DIR = env.str("NOTIFY_SCRIPTS_DIR")
NOTIFY_SCRIPT_TIMEOUT = env.int("NOTIFY_SCRIPT_TIMEOUT", 30, minimum=1)
NOTIFY_RETRY_DELAYS = [int(v) for v in env.list("NOTIFY_RETRY_DELAYS", "30,120,600") if v.isdigit()]
NOTIFY_SERVER_UPDATE_REPEAT = env.bool("NOTIFY_SERVER_UPDATE_REPEAT", False)
# The Tautulli Remote App's push service (OneSignal); only tests point it elsewhere.
ONESIGNAL_API_URL = env.str("ONESIGNAL_API_URL", "https://api.onesignal.com/notifications")
# Dates and times in notification texts when no format is given ({datestamp}, {timestamp}):
# Arrow tokens, the defaults of Tautulli's DATE_FORMAT / TIME_FORMAT.
NOTIFY_DATE_FORMAT = env.str("NOTIFY_DATE_FORMAT", "YYYY-MM-DD")
NOTIFY_TIME_FORMAT = env.str("NOTIFY_TIME_FORMAT", "HH:mm")
# Newsletters (reference section 5; Tautulli's [Newsletter] settings). HTTP_BASE_URL: the public
# address of this server, the start of newsletter links and image URLs (e.g.
# https://tautulli.example.com; default http://localhost:<PORT>). NEWSLETTER_CUSTOM_DIR: a folder
# whose recently_added.html / recently_added.txt replace ours. NEWSLETTER_AUTH: who may open the
# hosted pages (0 anyone, 1 with NEWSLETTER_PASSWORD, 2 signed-in users). NEWSLETTER_INLINE_STYLES:
# move the template's CSS into style="" attributes (mail clients drop <style>).
HTTP_BASE_URL = (
    env.str("HTTP_BASE_URL").strip().rstrip("/")
    or f"http://localhost:{env.int('PORT', 8181, minimum=1, maximum=65535)}"
)
NEWSLETTER_CUSTOM_DIR = env.str("NEWSLETTER_CUSTOM_DIR").strip()
NEWSLETTER_AUTH = env.int("NEWSLETTER_AUTH", 0, minimum=0, maximum=2)
NEWSLETTER_PASSWORD = env.str("NEWSLETTER_PASSWORD")
NEWSLETTER_INLINE_STYLES = env.bool("NEWSLETTER_INLINE_STYLES", True)
# plex.tv's base URL (users sync). Only tests point it elsewhere, at a loopback fake.
PLEX_TV_URL = env.str("PLEX_TV_URL", "https://plex.tv")
SHARED_DIR = Path(env.str("TAUTULLI_SHARED_DIR", str(BASE_DIR.parent / "shared")))

UNFOLD = {
    "SITE_TITLE": "Tautulli",
    "SITE_HEADER": "Tautulli",
    "SITE_SYMBOL": "monitoring",
    # The admin's "View site": the REST API's docs (the admin is the site; / leads to it).
    "SITE_URL": "/api/docs",
    "SHOW_HISTORY": False,
    # The admin's home is the statistics dashboard (templates/admin/index.html).
    "DASHBOARD_CALLBACK": "stats.dashboard.dashboard_callback",
    # An inline icon: without one, browsers ask for /favicon.ico (a 404 on every admin page).
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "type": "image/svg+xml",
            "href": "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' "
            "viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23e5a00d'/%3E"
            "%3Cpath d='M3 12V8h2v4zm4 0V4h2v8zm4 0V6h2v6z' fill='%23fff'/%3E%3C/svg%3E",
        }
    ],
}

# --- Plex tools & lookups (issue 16) ---
# GEOIP_DATABASE: path of a MaxMind GeoLite2-City.mmdb (or GeoIP2-City) file for
# get_geoip_lookup (unset: the command answers how to set it). RDAP_BOOTSTRAP_URL: the RDAP
# bootstrap service get_whois_lookup asks (ARIN's; only tests point it at a loopback stand-in).
GEOIP_DATABASE = env.str("GEOIP_DATABASE", "")
RDAP_BOOTSTRAP_URL = env.str("RDAP_BOOTSTRAP_URL", "https://rdap-bootstrap.arin.net/bootstrap")

# --- Exports (issue 16) ---
# Where export_metadata writes its files (one directory per export), default DATA_DIR/exports.
EXPORT_DIR = env.path("EXPORT_DIR", DATA_DIR / "exports")

# --- operations: health, logs, metrics, API maintenance commands (issue 16) ---
# LOG_FILE: the application log (every process writes it; rotated at LOG_FILE_MAX_BYTES, keeping
# LOG_FILE_BACKUPS older files), read by the admin's log viewer and /api/v2 get_logs and
# download_log. Secrets are redacted as on the console. PROMETHEUS_METRICS: django-prometheus'
# request/database metrics and ours at /metrics, for staff or with METRICS_TOKEN as a bearer
# token. API_SQL_ENABLED: /api/v2 sql answers one read-only SELECT (API_SQL_MAX_ROWS rows at most,
# stopped after API_SQL_TIMEOUT seconds); off by default, as Tautulli's api_sql.
LOG_FILE = env.path("LOG_FILE", DATA_DIR / "logs" / "tautulli.log")
LOG_FILE_MAX_BYTES = env.int("LOG_FILE_MAX_BYTES", 5_000_000, minimum=10_000)
LOG_FILE_BACKUPS = env.int("LOG_FILE_BACKUPS", 5, minimum=1)
LOGGING["formatters"]["tautulli"] = {
    "format": "%(asctime)s - %(levelname)-7s :: %(threadName)s : %(name)s: %(message)s",
    "datefmt": "%Y-%m-%d %H:%M:%S",
}
LOGGING["handlers"]["file"] = {
    "class": "operations.logfile.SharedRotatingFileHandler",
    "filename": str(LOG_FILE),
    "maxBytes": LOG_FILE_MAX_BYTES,
    "backupCount": LOG_FILE_BACKUPS,
    "formatter": "tautulli",
    "filters": ["redact_secrets"],
}
LOGGING["root"]["handlers"].append("file")
LOGGING["loggers"]["django.server"]["handlers"].append("file")

API_SQL_ENABLED = env.bool("API_SQL_ENABLED", False)
API_SQL_MAX_ROWS = env.int("API_SQL_MAX_ROWS", 1000, minimum=1)
API_SQL_TIMEOUT = env.int("API_SQL_TIMEOUT", 10, minimum=1)

PROMETHEUS_METRICS = env.bool("PROMETHEUS_METRICS", False)
METRICS_TOKEN = env.str("METRICS_TOKEN")
if PROMETHEUS_METRICS:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

# Heartbeats every process reads: django-q2's cluster statistics (with the ORM broker they live
# in Q_CLUSTER["cache"], which must be shared, not a process's local memory) and the monitor's
# (plex.monitor). Files, as the home statistics.
CACHES["status"] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": DATA_DIR / "cache" / "status",
    "OPTIONS": {"MAX_ENTRIES": 200},
}
Q_CLUSTER["cache"] = "status"


# --- Backups (issue 16) ---------------------------------------------------------------------
# Database and configuration backups (backups app): files in BACKUP_DIR, a database backup made
# and verified on the BACKUP_CRON schedule (5-field cron, server time; "off" for none), the last
# BACKUP_KEEP kept and/or those younger than BACKUP_KEEP_DAYS (0 = that rule off); the newest
# verified backup is never deleted.
BACKUP_DIR = env.path("BACKUP_DIR", DATA_DIR / "backups")
BACKUP_CRON = env.str("BACKUP_CRON", "0 3 * * *")
BACKUP_KEEP = env.int("BACKUP_KEEP", 7, minimum=0)
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", 0, minimum=0)

# --- Guest access (issue 17) ---------------------------------------------------------------------
# Tautulli's allow_guest_access: shared users (each with users.User.allow_guest on) may sign in
# with Plex and see their own pages under /me/ (the guests app). Only the default of the admin's
# Monitoring settings › Guest access switch.
ALLOW_GUEST_ACCESS = env.bool("ALLOW_GUEST_ACCESS", False)
# Signs out, at their next request, a guest whose access was switched off (guests.access).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "guests.access.GuestAccessMiddleware",
)

# Variables whose value was not used (reported by the system check core.E001): last, after every
# read above.
# --- Sign-in with OIDC (core.oidc, mozilla-django-oidc) ---------------------------------------
# Optional: on when OIDC_ENABLED, or by default when a client id is set. Endpoints are explicit or
# read from the issuer's discovery document; only accounts mapped to staff get in.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
OIDC_ENABLED = env.bool("OIDC_ENABLED", bool(OIDC_RP_CLIENT_ID))
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", "SSO")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", "groups")
OIDC_STAFF_CLAIM = env.str("OIDC_STAFF_CLAIM")
OIDC_STAFF_GROUPS = env.list("OIDC_STAFF_GROUPS")
OIDC_SUPERUSER_GROUPS = env.list("OIDC_SUPERUSER_GROUPS")
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", 10, minimum=1)  # seconds per request to the provider
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL_FAILURE = LOGIN_URL
# Always listed (inert while off) so the sessions it opened stay valid.
AUTHENTICATION_BACKENDS.append("core.oidc.OIDCBackend")

ENVIRONMENT_PROBLEMS = [str(problem) for problem in env.problems]

# --- Audit (issue 16) -----------------------------------------------------------------------
# Who changed what (django-auditlog): tautulli_project/audit.py. The auditlog app is installed
# with this project's config (its ready() adds history deletions, the /api/v2 caller and the
# admin page); its middleware (auditlog's, reading the client's address from the connection)
# names the signed-in admin of each change.
INSTALLED_APPS[INSTALLED_APPS.index("auditlog")] = "tautulli_project.apps.AuditConfig"
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "tautulli_project.audit.AuditMiddleware",
)
# Secrets are replaced before a change is stored (tautulli_project.audit.mask_secret): a token,
# password or API key becomes ********; a JSON config keeps its other values.
AUDITLOG_MASK_CALLABLE = "tautulli_project.audit.mask_secret"
# Rows loaded by loaddata (raw saves) are not changes anyone made.
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# The models an admin or the API changes, and only the fields they change: the monitor's own
# bookkeeping (a server's last contact, a notifier's failed deliveries, a rule set's last run)
# is no one's change and would bury the rest.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "plex.Server",  # the servers app (label plex)
        "include_fields": ["name", "url", "machine_identifier", "token", "is_active"],
        "mask_fields": ["token"],
    },
    {
        "model": "users.User",
        "include_fields": [
            "friendly_name",
            "custom_avatar_url",
            "keep_history",
            "do_notify",
            "allow_guest",
            "is_active",
            "deleted_user",
        ],
    },
    {
        "model": "libraries.Library",
        "include_fields": [
            "section_name",
            "custom_thumb_url",
            "custom_art_url",
            "keep_history",
            "do_notify",
            "do_notify_created",
            "disk_capacity",
            "is_active",
            "deleted_section",
        ],
    },
    {
        "model": "notifications.Notifier",
        "exclude_fields": ["failed_deliveries", "last_error"],
        "mask_fields": ["config"],
    },
    "notifications.NotifierTrigger",
    {
        # Tautulli Remote devices: registered, renamed, removed (not each request's last_seen).
        "model": "notifications.MobileDevice",
        "exclude_fields": ["last_seen"],
        "mask_fields": ["device_token", "onesignal_id"],
    },
    {"model": "newsletters.Newsletter", "mask_fields": ["config", "email_config"]},
    "core.MonitoringSettings",
    {"model": "core.ApiKey", "include_fields": ["key"], "mask_fields": ["key"]},
    {
        "model": "housekeeping.RuleSet",
        "exclude_fields": ["last_run_at", "last_run", "created_at", "updated_at"],
        "m2m_fields": ["libraries"],
    },
    {"model": "housekeeping.Rule", "m2m_fields": ["users"]},
    # Candidates come and go with every evaluation: only their status changes are recorded
    # (tautulli_project.audit drops their creation and deletion).
    {"model": "housekeeping.Candidate", "include_fields": ["status"]},
    "housekeeping.Exclusion",
    {
        "model": "housekeeping.MediaService",
        "exclude_fields": ["synced_at", "sync_error", "disk_free", "disk_total"],
        "mask_fields": ["api_key"],
        "m2m_fields": ["servers"],
    },
)
