"""Settings, read from environment variables only (README, "Configuration").

The embedded default (no DATABASE_URL) keeps a SQLite database, the secret key and the field
encryption key under `VAR_DIR`; anything else must be configured explicitly and fails loudly
when it is missing or malformed.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from zhiyuan.env import env_bool, env_choice, env_int, env_list, env_str, secret_from_file

PACKAGE_DIR = Path(__file__).resolve().parent
_repo = PACKAGE_DIR.parent.parent
BASE_DIR = _repo if (_repo / "pyproject.toml").exists() else Path.cwd()
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_database_url = env_str("DATABASE_URL", "")
EMBEDDED = not _database_url
if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "zhiyuan.sqlite3",
        }
    }
else:
    try:
        DATABASES = {"default": dict(dj_database_url.parse(_database_url, conn_max_age=60))}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: WAL lets readers run beside one writer, and
    # IMMEDIATE transactions take the write lock at BEGIN so that two writers queue on the busy
    # timeout instead of failing with "database is locked" at their first write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Kept open between requests, as PostgreSQL's: opening the file reads the whole schema and
    # closing the last connection checkpoints the WAL, about 2 ms for every request that asks
    # the database anything (the public pages ask one small query: common.generations).
    DATABASES["default"]["CONN_MAX_AGE"] = 60
# The hot paths' reads (`common.prepared`: a volunteer's check-in) are prepared statements on
# PostgreSQL, planned once per connection; 0 behind a pooler in transaction mode that keeps no
# prepared statements (PgBouncer before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)

_secret = env_str("SECRET_KEY", "")
if not _secret:
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY is required when DATABASE_URL is set.")
    _secret = secret_from_file(VAR_DIR / "secret_key")
SECRET_KEY = _secret

# Field encryption keys (ID numbers, phones): never stored in the database.
FIELD_ENCRYPTION_KEYS = env_str("FIELD_ENCRYPTION_KEYS", "")
FIELD_ENCRYPTION_KEY_FILE = env_str("FIELD_ENCRYPTION_KEY_FILE", "")
if not FIELD_ENCRYPTION_KEYS and not FIELD_ENCRYPTION_KEY_FILE:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS or FIELD_ENCRYPTION_KEY_FILE is required when DATABASE_URL is set."
        )
    FIELD_ENCRYPTION_KEY_FILE = str(VAR_DIR / "keys" / "field.keys")
if FIELD_ENCRYPTION_KEYS:
    from zhiyuan.common.crypto import parse_keyring

    try:
        parse_keyring(FIELD_ENCRYPTION_KEYS)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: {exc}") from None
FIELD_CIPHER = env_choice("FIELD_CIPHER", "aes-gcm", {"aes-gcm", "sm4-gcm"})

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_SSL = env_bool("SECURE_SSL", False)
if SECURE_SSL:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "zhiyuan.common",
    "zhiyuan.divisions",
    "zhiyuan.organizations",
    "zhiyuan.volunteers",
    "zhiyuan.accounts",
    "zhiyuan.activities",
    "zhiyuan.hours",
    "zhiyuan.reports",
    "zhiyuan.recognition",
    "zhiyuan.certificates",
    "zhiyuan.assistance",
    "zhiyuan.checks",
    "zhiyuan.anomalies",
    "zhiyuan.workplan",
    "zhiyuan.awards",
    "zhiyuan.portal",
    "zhiyuan.api",
    "zhiyuan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "zhiyuan.common.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhiyuan.common.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhiyuan.common.middleware.AuditOriginMiddleware",
    "zhiyuan.common.middleware.DisplayPreferencesMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Security headers of every answer (static files get nosniff only): SecurityMiddleware sends
# X-Content-Type-Options: nosniff and Referrer-Policy (Django's defaults, written out here),
# django-csp the Content-Security-Policy below, NoStoreMiddleware Cache-Control: no-store. Pages
# run no inline script, handler or style (their scripts and styles are static files), so
# nothing needs 'unsafe-inline'; the organisation chart's PNG download is a data: image.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
    }
}

ROOT_URLCONF = "zhiyuan.urls"
WSGI_APPLICATION = "zhiyuan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "zhiyuan.accounts.context_processors.shell",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zhiyuan.accounts.backends.IdentifierBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "zhiyuan.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle time-out: the session expires SESSION_IDLE_MINUTES after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Reverse proxies in front of the platform that append the client's address to X-Forwarded-For
# (one nginx: 1). With 0 the header is ignored: a client could write anything there.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0, minimum=0)

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "zhiyuan.accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "zhiyuan.common.proxies.client_address"
AXES_SENSITIVE_PARAMETERS = ["identifier", "username", "mobile", "code"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Per account, across its username and mobile and across addresses (`accounts.lockout`): after
# this many failures the account takes one try per cool-off (short: a stranger can get there too).
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 10, minimum=1)
LOGIN_ACCOUNT_COOLOFF_SECONDS = env_int("LOGIN_ACCOUNT_COOLOFF_SECONDS", 60, minimum=1)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list[str | tuple[str, str] | Path] = [PACKAGE_DIR / "static"]
# Browser libraries from npm (package-lock.json, installed by `make install`), served by the
# project itself, never from a CDN: only the files named here, as static/vendor/<package>/<file>.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
if (BASE_DIR / "node_modules").is_dir():
    STATICFILES_FINDERS.append("npm.finders.NpmFinder")
NPM_ROOT_PATH = str(BASE_DIR)
NPM_STATIC_FILES_PREFIX = "vendor"
NPM_FILE_PATTERNS = {"echarts": ["dist/echarts.min.js"]}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PDFs draw each character in the first font of a chain that has it (zhiyuan.common.pdf):
# PDF_FONT_PATH, the project's own font (built into PDF_FONT_DIR by `make install`),
# PDF_FALLBACK_FONT_PATH, then the machine's Chinese TrueType fonts unless PDF_SYSTEM_FONTS=0.
PDF_FONT_PATH = env_str("PDF_FONT_PATH", "")
PDF_FALLBACK_FONT_PATH = env_str("PDF_FALLBACK_FONT_PATH", "")
PDF_FONT_DIR = Path(env_str("PDF_FONT_DIR", str(VAR_DIR / "fonts")))
PDF_SYSTEM_FONTS = env_bool("PDF_SYSTEM_FONTS", True)

# Background work through Django's tasks API: the database-backed worker in the embedded
# default (`zhiyuan db_worker`), a Redis-backed RQ worker at scale (`zhiyuan rqworker`).
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", {"database", "rq", "immediate"})
REDIS_URL = env_str("REDIS_URL", "")
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}  # `zhiyuan rqworker` must run django-tasks' jobs
    INSTALLED_APPS.append("django_rq")
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# A shared cache where Redis is configured (API throttles, django-axes' counters are in the
# database either way); the embedded default keeps a per-process memory cache.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

# Uploaded rosters hold personal data: their files are deleted this many days after upload
# (their SHA-256 stays).
ROSTER_RETENTION_DAYS = env_int("ROSTER_RETENTION_DAYS", 30, minimum=1)

# Exports (common.exports): one of more rows than EXPORT_IMMEDIATE_ROWS is written in the
# background and downloaded from "my exports" by its requester only, through a link that
# expires EXPORT_LINK_HOURS after the file was written (the file is deleted then); the record
# of it goes after EXPORT_RETENTION_DAYS.
EXPORT_IMMEDIATE_ROWS = env_int("EXPORT_IMMEDIATE_ROWS", 5000, minimum=0)
EXPORT_LINK_HOURS = env_int("EXPORT_LINK_HOURS", 24, minimum=1)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7, minimum=1)

# Service hours: each registered volunteer should serve HOURS_YEARLY_TARGET hours a year (plan
# §三(二)3: 20); a slot's check-in QR code changes every HOURS_QR_SECONDS (the current and the
# previous code are accepted); a check-out missed is closed HOURS_CHECKOUT_GRACE_MINUTES after
# the slot's end by a periodic job, and flagged.
HOURS_YEARLY_TARGET = env_int("HOURS_YEARLY_TARGET", 20, minimum=1)
HOURS_QR_SECONDS = env_int("HOURS_QR_SECONDS", 30, minimum=10)
HOURS_CHECKOUT_GRACE_MINUTES = env_int("HOURS_CHECKOUT_GRACE_MINUTES", 60, minimum=0)

# Spot checks (zhiyuan.checks, issue 14): a sampled person is "unreachable" after
# CHECKS_UNREACHABLE_ATTEMPTS calls or visits that did not reach them; a registration body (or an
# organiser) whose denials exceed CHECKS_DENIAL_FLAG_PERCENT of its checked items is flagged;
# falsified hours confirmed by a case bar the volunteer from awards for CHECKS_AWARD_BAR_DAYS.
CHECKS_UNREACHABLE_ATTEMPTS = env_int("CHECKS_UNREACHABLE_ATTEMPTS", 3, minimum=1)
CHECKS_DENIAL_FLAG_PERCENT = env_int("CHECKS_DENIAL_FLAG_PERCENT", 5, minimum=0)
CHECKS_AWARD_BAR_DAYS = env_int("CHECKS_AWARD_BAR_DAYS", 730, minimum=1)

# Anomaly flags (zhiyuan.anomalies, issue 14 item 4): the thresholds of the rules. A day over
# ANOMALY_LONG_DAY_MINUTES of live hours; ANOMALY_BULK_IDENTICAL or more records of one recorder,
# activity, start and end entered by hand; ANOMALY_BURST_REGISTRATIONS or more registrations
# entered by one registrar in one local hour, or at one home address in one week;
# ANOMALY_SHARED_MOBILE or more holding registrations with one mobile number; hours of a child
# under ANOMALY_MINIMUM_AGE (中国注册志愿者管理办法 第八条: 14).
ANOMALY_LONG_DAY_MINUTES = env_int("ANOMALY_LONG_DAY_MINUTES", 720, minimum=60)
ANOMALY_BULK_IDENTICAL = env_int("ANOMALY_BULK_IDENTICAL", 30, minimum=2)
ANOMALY_BURST_REGISTRATIONS = env_int("ANOMALY_BURST_REGISTRATIONS", 20, minimum=2)
ANOMALY_SHARED_MOBILE = env_int("ANOMALY_SHARED_MOBILE", 4, minimum=2)
ANOMALY_MINIMUM_AGE = env_int("ANOMALY_MINIMUM_AGE", 14, minimum=1)

# Priority help (assistance): a request nobody took within ASSISTANCE_ESCALATE_HOURS is escalated
# by a periodic job to the office above its station (it joins that office's queue, flagged).
ASSISTANCE_ESCALATE_HOURS = env_int("ASSISTANCE_ESCALATE_HOURS", 4, minimum=1)

# The work plan (plan §四): organisations that have not reported a step are texted once, from
# WORKPLAN_REMIND_DAYS days before its due date.
WORKPLAN_REMIND_DAYS = env_int("WORKPLAN_REMIND_DAYS", 3, minimum=0)

# The bulk "please confirm" message: at most this many a day per registering unit (sent by
# staff, counted from local midnight); the rest wait for the next day.
CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY = env_int(
    "CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY", 500, minimum=1
)

SMS_BACKEND = env_str("SMS_BACKEND", "zhiyuan.common.sms.ConsoleSmsBackend")
# Alibaba Cloud SMS (zhiyuan.common.sms_aliyun): required when it is the backend. Templates map
# our template names to the provider's approved codes: `password_reset_code=SMS_1,...`.
SMS_ALIYUN_ENDPOINT = env_str("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_ACCESS_KEY_ID = env_str("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
_sms_secret_file = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET_FILE", "")
if _sms_secret_file and not SMS_ALIYUN_ACCESS_KEY_SECRET:
    try:
        SMS_ALIYUN_ACCESS_KEY_SECRET = Path(_sms_secret_file).read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"SMS_ALIYUN_ACCESS_KEY_SECRET_FILE cannot be read: {exc.strerror}"
        ) from None
SMS_ALIYUN_SIGN_NAME = env_str("SMS_ALIYUN_SIGN_NAME", "")
SMS_ALIYUN_TEMPLATES: dict[str, str] = {}
for _item in env_list("SMS_ALIYUN_TEMPLATES", []):
    _name, _sep, _code = (part.strip() for part in _item.partition("="))
    if not (_name and _sep and _code):
        raise ImproperlyConfigured(
            f"SMS_ALIYUN_TEMPLATES must be written as name=SMS_code,..., got {_item!r}."
        )
    SMS_ALIYUN_TEMPLATES[_name] = _code
if SMS_BACKEND == "zhiyuan.common.sms_aliyun.AliyunSmsBackend":
    if not SMS_ALIYUN_ENDPOINT.startswith(("https://", "http://")):
        raise ImproperlyConfigured("SMS_ALIYUN_ENDPOINT must be an http(s) URL.")
    for _name, _value in [
        ("SMS_ALIYUN_ACCESS_KEY_ID", SMS_ALIYUN_ACCESS_KEY_ID),
        ("SMS_ALIYUN_ACCESS_KEY_SECRET (or _FILE)", SMS_ALIYUN_ACCESS_KEY_SECRET),
        ("SMS_ALIYUN_SIGN_NAME", SMS_ALIYUN_SIGN_NAME),
        ("SMS_ALIYUN_TEMPLATES", SMS_ALIYUN_TEMPLATES),
    ]:
        if not _value:
            raise ImproperlyConfigured(f"{_name} is required with the Aliyun SMS backend.")
# Scheme and host that links sent by SMS start with (invitations) when no request gives them.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    # Token first: an unauthenticated call then answers 401 with `WWW-Authenticate: Token`
    # (DRF takes the header from the first class; session auth has none and gives 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "zhiyuan.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "zhiyuan.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("API_LOGIN_RATE", "10/min"),
        # Self-registration and confirmation without log-in; a registration event shares one
        # Wi-Fi address, so this is looser than the log-in's.
        "public": env_str("API_PUBLIC_RATE", "30/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXIES,  # else DRF counts per X-Forwarded-For, which anyone can set
    "EXCEPTION_HANDLER": "zhiyuan.api.exceptions.exception_handler",
}
REST_KNOX = {
    "TOKEN_TTL": __import__("datetime").timedelta(hours=env_int("API_TOKEN_HOURS", 24, minimum=1)),
    "AUTO_REFRESH": True,
    # Each use moves the expiry forward, but never beyond 30 days after the log-in: a token
    # taken from a lost phone must not live for ever just because it keeps being used.
    "AUTO_REFRESH_MAX_TTL": __import__("datetime").timedelta(days=30),
    "TOKEN_LIMIT_PER_USER": 10,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "zhiyuan API",
    "DESCRIPTION": "志愿服务平台 REST API. Session auth for the web, expiring hashed tokens for apps.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No "online validator" badge: it would load an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids come from the path after the version: organizations_list.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "DivisionLevelEnum": "zhiyuan.divisions.enums.DivisionLevel",
        "OrgLevelEnum": "zhiyuan.organizations.enums.OrgLevel",
        "OrgKindEnum": "zhiyuan.organizations.enums.OrgKind",
        "ImportStatusEnum": "zhiyuan.volunteers.enums.ImportStatus",
        "RoleKindEnum": "zhiyuan.organizations.enums.RoleKind",
        "CancellationKindEnum": "zhiyuan.volunteers.enums.CancellationKind",
        "MembershipStatusEnum": "zhiyuan.volunteers.enums.MembershipStatus",
        "RegistrationStatusEnum": "zhiyuan.volunteers.enums.RegistrationStatus",
        "RequestKindEnum": "zhiyuan.volunteers.enums.RequestKind",
        "RequestStatusEnum": "zhiyuan.volunteers.enums.RequestStatus",
        "ActivityStatusEnum": "zhiyuan.activities.enums.ActivityStatus",
        "SignUpStatusEnum": "zhiyuan.activities.enums.SignUpStatus",
        "SignUpSourceEnum": "zhiyuan.activities.enums.SignUpSource",
        "VisibilityEnum": "zhiyuan.activities.enums.Visibility",
        "SkillEnum": "zhiyuan.volunteers.enums.Skill",
        "SubmissionStatusEnum": "zhiyuan.reports.rounds.models.SubmissionStatus",
        "StepLevelEnum": "zhiyuan.workplan.enums.StepLevel",
        "StepLinkEnum": "zhiyuan.workplan.enums.StepLink",
        "StepReportStatusEnum": "zhiyuan.workplan.enums.ReportStatus",
        "StepCellStateEnum": "zhiyuan.workplan.enums.CellState",
        "AwardCategoryKindEnum": "zhiyuan.awards.enums.CategoryKind",
        "AwardSubjectEnum": "zhiyuan.awards.enums.Subject",
        "AwardCampaignStatusEnum": "zhiyuan.awards.enums.CampaignStatus",
        "AwardStageEnum": "zhiyuan.awards.enums.Stage",
        "AwardNominationStatusEnum": "zhiyuan.awards.enums.NominationStatus",
        "AwardObjectionStatusEnum": "zhiyuan.awards.enums.ObjectionStatus",
        "AnomalyRuleEnum": "zhiyuan.anomalies.enums.Rule",
        "AnomalyFlagStateEnum": "zhiyuan.anomalies.enums.FlagState",
        "AnomalyResponsibilityEnum": "zhiyuan.anomalies.enums.Responsibility",
        "RegistrationChannelEnum": "zhiyuan.volunteers.enums.RegistrationChannel",
        "CheckSubjectEnum": "zhiyuan.checks.enums.Subject",
        "CheckItemKindEnum": "zhiyuan.checks.enums.ItemKind",
        "CheckCaseKindEnum": "zhiyuan.checks.enums.CaseKind",
        "HelpKindEnum": "zhiyuan.assistance.enums.HelpKind",
        "HelpStatusEnum": "zhiyuan.assistance.enums.HelpStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
