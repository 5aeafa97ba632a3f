"""SL301 on backends a deployment gets by default: a Flask config class that picks its
cache with ``if``/``else`` on another setting, a session interface kept in that cache, and
Django settings whose libraries keep rate limits in the default cache or uploads on the
local disk unless an environment variable says otherwise."""

from __future__ import annotations

import textwrap

from statelint.model import Finding, ScanResult


def sl301(result: ScanResult) -> dict[str, Finding]:
    """SL301 findings by symbol."""
    return {finding.symbol: finding for finding in result.findings if finding.rule == "SL301"}


def handler_names(result: ScanResult) -> set[str]:
    return {verdict.handler.name for verdict in result.verdicts}


# ---------------------------------------------------------------------------
# Flask: a config class choosing the cache, and sessions stored in it
# ---------------------------------------------------------------------------

FLASK_CONFIG = '''
    import configparser
    import os

    ini = configparser.ConfigParser()
    ini.read(os.path.join(os.path.dirname(__file__), "board.ini"))


    def blank_to(value, default=None):
        if value == "":
            return default
        return value


    class ProductionConfig:
        SECRET_KEY = os.environ["SECRET_KEY"]
        REDIS_URL = {redis_url}

        if REDIS_URL:
            CACHE_TYPE = "RedisCache"
            CACHE_REDIS_URL = REDIS_URL
        else:
            CACHE_TYPE = "FileSystemCache"
            CACHE_DIR = "/var/cache/board"


    class TestingConfig(ProductionConfig):
        TESTING = True
        CACHE_TYPE = "SimpleCache"
    '''

FLASK_FILES = {
    "board/__init__.py": '''
        from flask import Flask

        from board.extensions import cache
        from board.sessions import CacheSessionInterface


        def create_app(config="board.config.ProductionConfig"):
            app = Flask(__name__)
            app.config.from_object(config)
            cache.init_app(app)
            app.session_interface = CacheSessionInterface(prefix="sess:")

            from board.views import bp
            app.register_blueprint(bp)
            return app
        ''',
    "board/extensions.py": '''
        from flask_caching import Cache


        class BoardCache(Cache):
            def bump(self, key):
                self.set(key, (self.get(key) or 0) + 1)


        cache = BoardCache()
        ''',
    "board/sessions.py": '''
        import secrets

        from flask.sessions import SecureCookieSession, SessionInterface

        from board.extensions import cache


        class CacheSessionInterface(SessionInterface):
            def __init__(self, prefix):
                self.prefix = prefix

            def open_session(self, app, request):
                sid = request.cookies.get(app.config["SESSION_COOKIE_NAME"])
                data = cache.get(self.prefix + sid) if sid else None
                session = SecureCookieSession(data or {})
                session.sid = sid or secrets.token_urlsafe(32)
                return session

            def save_session(self, app, session, response):
                cache.set(self.prefix + session.sid, dict(session), timeout=3600)
                response.set_cookie(app.config["SESSION_COOKIE_NAME"], session.sid)
        ''',
    "board/views.py": '''
        from flask import Blueprint, jsonify, session

        from board.extensions import cache

        bp = Blueprint("board", __name__)


        @bp.post("/login")
        def login():
            session["user"] = "alice"
            return jsonify(ok=True)


        @bp.get("/scoreboard")
        @cache.cached(timeout=30)
        def scoreboard():
            return jsonify(teams=[])
        ''',
}


def flask_project(redis_url: str) -> dict[str, str]:
    return {**FLASK_FILES, "board/config.py": FLASK_CONFIG.format(redis_url=redis_url)}


def test_cache_chosen_by_if_else_reports_the_branch_taken_when_nothing_is_configured(
        scan_files):
    result = scan_files(flask_project('blank_to(ini["cache"]["REDIS_URL"])'))
    found = sl301(result)
    assert set(found) == {"board.config.ProductionConfig.CACHE_TYPE",
                          "board.sessions.CacheSessionInterface"}
    cache = found["board.config.ProductionConfig.CACHE_TYPE"]
    assert (cache.path, cache.line, cache.severity) == ("board/config.py", 22, "warning")
    assert cache.message.startswith(
        "when `REDIS_URL` is not set, Flask-Caching falls back to `FileSystemCache` for its "
        "cache, which keeps the data on this machine's disk")
    assert "scoreboard" in cache.message
    assert "Or set `REDIS_URL` in every deployment" in cache.suggestion

    sessions = found["board.sessions.CacheSessionInterface"]
    assert (sessions.path, sessions.line, sessions.severity) == ("board/__init__.py", 11, "error")
    assert sessions.message.startswith(
        "when `REDIS_URL` is not set, `CacheSessionInterface` (sessions kept in the "
        "Flask-Caching cache) falls back to `FileSystemCache` for its session store")
    assert {h.split("::")[1] for h in sessions.handlers} == {"login", "scoreboard"}


def test_an_environment_default_naming_redis_selects_the_shared_branch(scan_files):
    result = scan_files(flask_project('os.environ.get("REDIS_URL", "redis://cache:6379/0")'))
    assert sl301(result) == {}
    assert {"login", "scoreboard"} <= handler_names(result)


def test_an_environment_variable_without_default_selects_the_fallback(scan_files):
    result = scan_files(flask_project('os.environ.get("REDIS_URL")'))
    cache = sl301(result)["board.config.ProductionConfig.CACHE_TYPE"]
    assert cache.line == 22 and "when `REDIS_URL` is not set" in cache.message


NOTES_APP = '''
    from flask import Flask, jsonify
    from flask_caching import Cache

    app = Flask(__name__)
    app.config.from_object("notes.settings")
    cache = Cache(app)


    @app.get("/notes")
    @cache.cached(timeout=60)
    def notes():
        return jsonify([])
    '''


def test_a_module_level_else_branch_and_an_elif(scan_files):
    result = scan_files({
        "notes/__init__.py": "",
        "notes/settings.py": '''
            import os

            CACHE_BACKEND_URL = os.getenv("CACHE_BACKEND_URL")
            if CACHE_BACKEND_URL is not None:
                CACHE_TYPE = "RedisCache"
            elif os.getenv("MEMCACHED_SERVERS"):
                CACHE_TYPE = "MemcachedCache"
            else:
                CACHE_TYPE = "SimpleCache"
            ''',
        "notes/app.py": NOTES_APP,
    })
    [cache] = sl301(result).values()
    assert (cache.path, cache.line) == ("notes/settings.py", 9)
    assert cache.message.startswith(
        "when `MEMCACHED_SERVERS` is not set, Flask-Caching falls back to `SimpleCache`")
    assert [h.split("::")[1] for h in cache.handlers] == ["notes"]


# ---------------------------------------------------------------------------
# Django: libraries on the default cache, and uploads on the local disk
# ---------------------------------------------------------------------------

DJANGO_BASE = '''
    INSTALLED_APPS = [
        "django.contrib.auth",
        "django.contrib.sessions",
        "allauth",
        "allauth.account",
        "axes",
        "rest_framework",
        "gallery",
    ]
    ROOT_URLCONF = "gallery.urls"

    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "gallery",
        }
    }

    ACCOUNT_RATE_LIMITS = {"login_failed": None}

    AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

    REST_FRAMEWORK = {
        "PAGE_SIZE": 50,
        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
        "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    }

    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    '''

DJANGO_PRODUCTION = '''
    import os

    import environ

    from .base import *  # noqa: F403

    env = environ.Env()

    if os.environ.get("REDIS_URL"):
        CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": env.str("REDIS_URL"),
            }
        }

    AXES_HANDLER = env.str("AXES_HANDLER", "axes.handlers.cache.AxesCacheHandler")

    STORAGES = {
        "default": {
            "BACKEND": env.str("MEDIA_STORAGE", {media}),
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    '''

DJANGO_APP = {
    "gallery/__init__.py": "",
    "gallery/models.py": '''
        from django.db import models


        class Photo(models.Model):
            title = models.CharField(max_length=200)
            image = models.ImageField(upload_to="photos/")
        ''',
    "gallery/urls.py": '''
        from django.urls import path

        from gallery import views

        urlpatterns = [
            path("login/", views.sign_in),
            path("api/photos/", views.PhotoList.as_view()),
        ]
        ''',
    "gallery/views.py": '''
        from django.contrib.auth import authenticate, login
        from django.http import JsonResponse
        from rest_framework.response import Response
        from rest_framework.views import APIView


        def sign_in(request):
            user = authenticate(request, username=request.POST["user"],
                                password=request.POST["password"])
            if user is not None:
                login(request, user)
            return JsonResponse({"ok": user is not None})


        class PhotoList(APIView):
            def get(self, request):
                return Response([])
        ''',
}


def django_project(media: str = '"django.core.files.storage.FileSystemStorage"',
                   production: str = DJANGO_PRODUCTION) -> dict[str, str]:
    return {**DJANGO_APP, "config/__init__.py": "", "config/settings/__init__.py": "",
            "config/settings/base.py": DJANGO_BASE,
            "config/settings/production.py": production.replace("{media}", media)}


def test_django_libraries_on_the_default_locmem_cache_and_local_media(scan_files):
    result = scan_files(django_project())
    found = sl301(result)
    assert set(found) == {
        "config.settings.base.CACHES", "config.settings.base.REST_FRAMEWORK",
        "config.settings.base.ACCOUNT_RATE_LIMITS", "config.settings.production.AXES_HANDLER",
        "config.settings.production.STORAGES"}

    throttles = found["config.settings.base.REST_FRAMEWORK"]
    # reported where the cache it counts in is configured, with the setting that uses it
    assert (throttles.path, throttles.line, throttles.severity) == (
        "config/settings/base.py", 12, "error")
    assert "`DEFAULT_THROTTLE_CLASSES on LocMemCache`" in throttles.message
    assert "`REST_FRAMEWORK` is set at config/settings/base.py:23" in throttles.message
    assert [h.split("::")[1] for h in throttles.handlers] == ["PhotoList.get"]

    allauth = found["config.settings.base.ACCOUNT_RATE_LIMITS"]
    assert (allauth.path, allauth.line, allauth.severity) == ("config/settings/base.py", 19, "error")
    assert allauth.message.startswith(
        "django-allauth is configured with `ACCOUNT_RATE_LIMITS on LocMemCache` for its "
        "rate-limit counters")

    axes = found["config.settings.production.AXES_HANDLER"]
    assert (axes.path, axes.line) == ("config/settings/production.py", 17)
    assert axes.message.startswith(
        "when `AXES_HANDLER` is not set, django-axes falls back to "
        "`axes.handlers.cache.AxesCacheHandler on LocMemCache` for its rate-limit counters")
    assert [h.split("::")[1] for h in axes.handlers] == ["sign_in"]
    assert "AxesDatabaseHandler" in axes.suggestion

    media = found["config.settings.production.STORAGES"]
    # the deployed module's STORAGES, not the base module's it replaces
    assert (media.path, media.line, media.severity) == (
        "config/settings/production.py", 19, "warning")
    assert media.message.startswith(
        "when `MEDIA_STORAGE` is not set, Django falls back to "
        "`django.core.files.storage.FileSystemStorage` for its uploaded files, which keeps "
        "the data on this machine's disk")


def test_django_look_alikes_shared_cache_object_storage_and_no_uploads(scan_files):
    result = scan_files(django_project('"storages.backends.s3.S3Storage"', production='''
        import os

        import environ

        from .base import *  # noqa: F403

        env = environ.Env()

        CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": env.str("REDIS_URL", "redis://redis:6379/0"),
            }
        }
        AXES_HANDLER = env.str("AXES_HANDLER", "axes.handlers.cache.AxesCacheHandler")
        STORAGES = {"default": {"BACKEND": env.str("MEDIA_STORAGE", {media})}}
        '''))
    # Redis replaces the base module's LocMemCache; S3 its FileSystemStorage
    assert sl301(result) == {}
    assert {"sign_in", "PhotoList.get"} <= handler_names(result)


def test_django_local_media_without_file_fields_is_not_reported(scan_files):
    files = django_project()
    files["gallery/models.py"] = '''
        from django.db import models


        class Photo(models.Model):
            title = models.CharField(max_length=200)
            url = models.URLField()
        '''
    found = sl301(scan_files(files))
    assert "config.settings.production.STORAGES" not in found
    assert "config.settings.production.AXES_HANDLER" in found


def test_allauth_rate_limits_switched_off_and_unset(scan_files):
    files = django_project()
    files["config/settings/base.py"] = DJANGO_BASE.replace(
        'ACCOUNT_RATE_LIMITS = {"login_failed": None}', "ACCOUNT_RATE_LIMITS = False")
    assert "config.settings.base.ACCOUNT_RATE_LIMITS" not in sl301(scan_files(files))

    files["config/settings/base.py"] = DJANGO_BASE.replace(
        'ACCOUNT_RATE_LIMITS = {"login_failed": None}', "")
    found = sl301(scan_files(files))
    # on by default: reported where the app is installed
    allauth = found["config.settings.base.ACCOUNT_RATE_LIMITS"]
    assert (allauth.path, allauth.line) == ("config/settings/base.py", 1)
    assert "`allauth.account defaults on LocMemCache`" in allauth.message


def test_an_in_process_cache_chosen_only_when_a_variable_is_set_is_not_the_default(scan_files):
    result = scan_files({
        "notes/__init__.py": "",
        "notes/settings.py": '''
            import os

            CACHE_TYPE = "RedisCache"
            CACHE_REDIS_URL = os.environ["REDIS_URL"]
            if os.environ.get("NOTES_SINGLE_PROCESS"):
                CACHE_TYPE = "SimpleCache"
            ''',
        "notes/app.py": NOTES_APP,
    })
    assert sl301(result) == {}
    assert "notes" in handler_names(result)


def test_the_frameworks_own_default_settings_are_not_a_projects_configuration(scan_files):
    # Scanning Django's source tree with the example project it ships: ``global_settings``
    # holds the defaults every project overrides; the example's settings are configuration.
    defaults = '''
        CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        SESSION_ENGINE = "django.contrib.sessions.backends.db"
        STORAGES = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        '''
    result = scan_files({
        "django/__init__.py": "",
        "django/conf/__init__.py": "",
        "django/conf/global_settings.py": defaults,
        "demo/__init__.py": "",
        "demo/settings.py": "ROOT_URLCONF = 'demo.urls'\n" + textwrap.dedent(defaults),
        "demo/models.py": '''
            from django.db import models


            class Cover(models.Model):
                image = models.ImageField(upload_to="covers/")
            ''',
        "demo/views.py": '''
            from django.http import JsonResponse


            def cover_list(request):
                return JsonResponse({"covers": []})
            ''',
        "demo/urls.py": '''
            from django.urls import path

            from demo import views

            urlpatterns = [path("covers/", views.cover_list)]
            ''',
    })
    assert "cover_list" in handler_names(result)
    assert set(sl301(result)) == {"demo.settings.CACHES", "demo.settings.STORAGES"}
