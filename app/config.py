"""Configuration read from the environment, with safe defaults for development."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'council.db'}")
    # Heroku-style and plain postgres URLs mean psycopg 3 for us.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    # The development default is deliberately not secret: production must set SECRET_KEY.
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # The audit chain key never lives in the database, so a database editor cannot re-chain.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "dev-only-audit-key")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    # Base of links in emails (e.g. https://haveyoursay.example.gov.uk); else the council's host.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
    # "development" allows the built-in secrets and `flask demo`; anything else refuses them.
    ENVIRONMENT = os.environ.get("CC_ENV", "production")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session; a long form must not expire under someone

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024))
    SEND_FILE_MAX_AGE_DEFAULT = 0  # hashed static URLs get a long cache instead (see app.core.web)
    STATIC_MAX_AGE = 365 * 24 * 3600

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/London")
    LANGUAGES = ("en", "cy")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-in, sign-up and reset attempts (only failures count).
    AUTH_LIMIT_PER_ACCOUNT = os.environ.get("AUTH_LIMIT_PER_ACCOUNT", "10 per minute")
    AUTH_LIMIT_PER_IP = os.environ.get("AUTH_LIMIT_PER_IP", "30 per minute")
    TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per minute")
    # `make run` turns this on so due jobs run without cron; production uses `flask jobs run-due`.
    JOBS_THREAD = _bool("JOBS_THREAD", False)
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "council")

    # "log" writes emails to the application log; "smtp" sends through MAIL_SERVER.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp" if os.environ.get("MAIL_SERVER") else "log")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@connected-council.invalid")

    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_CONFIRM_MAX_AGE = 7 * 24 * 3600
    # How many reverse proxies set X-Forwarded-* in front of the app (0: none trusted).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))
    # Uploaded files (idea photos...): a folder every app server shares.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    BACKUP_FOLDER = os.environ.get("BACKUP_FOLDER", str(INSTANCE_DIR / "backups"))
    # Supporting ideas: per person, so a script cannot pile up supports.
    SUPPORT_LIMIT = os.environ.get("SUPPORT_LIMIT", "60 per minute")
    # Starting and sending consultation answers, per address.
    CONSULTATION_LIMIT = os.environ.get("CONSULTATION_LIMIT", "30 per hour")
    # The open data API (/api/v1/), per address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "100 per minute")
    KIOSK_CODE_LIMIT = os.environ.get("KIOSK_CODE_LIMIT", "10 per minute")


DEFAULT_SECRETS = {"SECRET_KEY": "dev-only-not-secret", "AUDIT_HMAC_KEY": "dev-only-audit-key"}


class TestConfig(Config):
    TESTING = True
    ENVIRONMENT = "development"
    SECRET_KEY = "test-secret"
    AUDIT_HMAC_KEY = "test-audit-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL_RESOLVED", "sqlite://")
    MAIL_BACKEND = "memory"
    RATELIMIT_STORAGE_URI = "memory://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SERVER_NAME = None
    UPLOAD_FOLDER = os.environ.get("TEST_UPLOAD_FOLDER", "/tmp/cc-test-uploads")
