"""SL901 per-process-secret: keys drawn at random in each process, and what stays quiet."""

from __future__ import annotations

SIGNS = ("so every worker and replica signs sessions, cookies and tokens with its own key: "
         "a session signed by one is rejected by the others, and all die on restart")


def secret_findings(result):
    return [finding for finding in result.findings if finding.rule == "SL901"]


def verdicts(result):
    return {verdict.handler.name: verdict.verdict for verdict in result.verdicts}


def only_finding(result):
    found = secret_findings(result)
    assert len(found) == 1, found
    return found[0]


def test_flask_factory_with_a_helper_that_returns_random_bytes(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/app.py": '''
            import os

            from flask import Flask, session


            def gen_secret():
                return os.urandom(64)


            def create_app():
                app = Flask(__name__)
                app.config["SECRET_KEY"] = gen_secret()

                @app.get("/cart")
                def cart():
                    return {"items": session.get("items", [])}

                @app.get("/health")
                def health():
                    return {"ok": True}

                return app
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line, finding.severity) == ("shop/app.py", 12, "error")
    assert finding.message == (
        f"`SECRET_KEY` is drawn at random (`gen_secret()`) in each process, {SIGNS} "
        "(signs for create_app.cart, create_app.health)")
    assert 'os.environ["SECRET_KEY"]' in finding.suggestion
    assert "no random default" in finding.suggestion
    # Flask signs its session cookie for every route: all handlers of the app depend on it
    assert verdicts(result) == {"create_app.cart": "stateful", "create_app.health": "stateful"}


def test_django_settings_secret_key(scan_files):
    result = scan_files({
        "config/__init__.py": "",
        "config/settings.py": '''
            from django.core.management.utils import get_random_secret_key

            SECRET_KEY = get_random_secret_key()
            INSTALLED_APPS = ["django.contrib.sessions", "shop"]
            ROOT_URLCONF = "config.urls"
        ''',
        "config/urls.py": '''
            from django.urls import path

            from shop import views

            urlpatterns = [path("cart/", views.cart), path("about/", views.about)]
        ''',
        "shop/__init__.py": "",
        "shop/views.py": '''
            from django.http import JsonResponse


            def cart(request):
                return JsonResponse({"items": request.session.get("items", [])})


            def about(request):
                return JsonResponse({"name": "shop"})
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("config/settings.py", 3)
    assert finding.message == (
        "`SECRET_KEY` is drawn at random (`utils.get_random_secret_key()`) in each process, "
        f"{SIGNS} (signs for cart, about)")
    assert verdicts(result) == {"cart": "stateful", "about": "stateful"}


def test_fastapi_session_middleware_added_with_a_random_key(scan_files):
    result = scan_files({
        "main.py": '''
            import secrets

            from fastapi import FastAPI, Request
            from starlette.middleware.sessions import SessionMiddleware

            app = FastAPI()
            app.add_middleware(SessionMiddleware, secret_key=secrets.token_urlsafe(32))


            @app.get("/whoami")
            async def whoami(request: Request):
                return {"user": request.session.get("user")}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("main.py", 7)
    assert finding.message == (
        f"`secret_key` is drawn at random (`secrets.token_urlsafe()`) in each process, {SIGNS} "
        "(signs for whoami)")
    assert finding.handlers == ("main.py::whoami",)
    assert verdicts(result) == {"whoami": "stateful"}


def test_starlette_middleware_list(scan_files):
    result = scan_files({
        "app.py": '''
            import os

            from starlette.applications import Starlette
            from starlette.middleware import Middleware
            from starlette.middleware.sessions import SessionMiddleware
            from starlette.responses import JSONResponse
            from starlette.routing import Route


            async def home(request):
                return JSONResponse({"user": request.session.get("user")})


            app = Starlette(
                routes=[Route("/", home)],
                middleware=[Middleware(SessionMiddleware, secret_key=os.urandom(32).hex())],
            )
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("app.py", 14)
    assert "`secret_key` is drawn at random (`os.urandom()`)" in finding.message
    assert verdicts(result) == {"home": "stateful"}


def test_tornado_cookie_secret(scan_files):
    result = scan_files({
        "server.py": '''
            import os

            import tornado.web


            class ProfileHandler(tornado.web.RequestHandler):
                def get(self):
                    self.write(self.get_secure_cookie("user") or b"")


            def make_app():
                return tornado.web.Application([(r"/profile", ProfileHandler)],
                                               cookie_secret=os.urandom(32))
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("server.py", 12)
    assert finding.message == (
        f"`cookie_secret` is drawn at random (`os.urandom()`) in each process, {SIGNS} "
        "(signs for ProfileHandler.get)")
    assert 'os.environ["COOKIE_SECRET"]' in finding.suggestion
    assert verdicts(result) == {"ProfileHandler.get": "stateful"}


def test_pydantic_settings_default_factory_used_for_jwt(scan_files):
    result = scan_files({
        "api/__init__.py": "",
        "api/config.py": '''
            import secrets

            from pydantic import Field
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                database_url: str = "postgresql://db/app"
                jwt_secret: str = Field(default_factory=lambda: secrets.token_hex(32))


            settings = Settings()
        ''',
        "api/main.py": '''
            import jwt
            from fastapi import FastAPI

            from api.config import settings

            app = FastAPI()


            @app.post("/token")
            async def token(user: str):
                return {"token": jwt.encode({"sub": user}, settings.jwt_secret, algorithm="HS256")}


            @app.get("/health")
            async def health():
                return {"ok": True}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("api/config.py", 9)
    assert finding.message == (
        f"`jwt_secret` is drawn at random (`secrets.token_hex()`) in each process, {SIGNS} "
        "(signs for token)")
    # the key is read by the route that signs tokens; the health check never touches it
    assert verdicts(result) == {"token": "stateful", "health": "self-contained"}


def test_pydantic_settings_plain_default(scan_files):
    result = scan_files({
        "app/__init__.py": "",
        "app/settings.py": '''
            import secrets

            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                secret_key: str = secrets.token_urlsafe(32)
        ''',
        "app/main.py": '''
            from fastapi import FastAPI
            from starlette.middleware.sessions import SessionMiddleware

            from app.settings import Settings

            settings = Settings()
            app = FastAPI()
            app.add_middleware(SessionMiddleware, secret_key=settings.secret_key)


            @app.get("/")
            async def index():
                return {}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("app/settings.py", 7)
    assert finding.message.startswith("`secret_key` is drawn at random (`secrets.token_urlsafe()`)")
    assert [(loc.path, loc.line, loc.message) for loc in finding.related][0] == (
        "app/main.py", 8, "passed to add_middleware() as secret_key")
    assert verdicts(result) == {"index": "stateful"}


def test_env_fallback_is_reported_by_default_naming_the_variable(scan_files):
    result = scan_files({
        "app.py": '''
            import os
            import secrets

            from flask import Flask, session

            app = Flask(__name__)
            SECRET_KEY = os.environ.get("FLASK_SECRET_KEY", secrets.token_hex())
            app.config["SECRET_KEY"] = SECRET_KEY


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line, finding.severity) == ("app.py", 7, "error")
    assert finding.message == (
        "`SECRET_KEY` falls back to a random value (`secrets.token_hex()`) when "
        "`FLASK_SECRET_KEY` is not set, so by default every worker and replica signs sessions, "
        "cookies and tokens with its own key: a session signed by one is rejected by the "
        "others, and all die on restart (signs for index)")
    assert 'os.environ["FLASK_SECRET_KEY"]' in finding.suggestion
    assert verdicts(result) == {"index": "stateful"}


def test_getenv_or_random(scan_files):
    result = scan_files({
        "app.py": '''
            import os

            from flask import Flask

            app = Flask(__name__)
            app.secret_key = os.getenv("APP_SECRET") or os.urandom(24)


            @app.get("/")
            def index():
                return "hi"
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("app.py", 6)
    assert "when `APP_SECRET` is not set, so by default" in finding.message
    assert verdicts(result) == {"index": "stateful"}


def test_key_kept_in_a_local_file_is_a_warning(scan_files):
    result = scan_files({
        "app.py": '''
            import os
            from pathlib import Path

            from flask import Flask, session


            def load_or_create_key():
                path = Path("instance/secret.key")
                if path.exists():
                    return path.read_bytes()
                key = os.urandom(32)
                path.write_bytes(key)
                return key


            app = Flask(__name__)
            app.secret_key = load_or_create_key()


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line, finding.severity) == ("app.py", 17, "warning")
    assert finding.message == (
        "`secret_key` is generated at random by `load_or_create_key()` and kept in a local "
        "file: each machine or container that starts without that file makes its own key, so "
        "replicas reject each other's sessions and tokens unless the file is on storage they "
        "all share (signs for index)")
    assert verdicts(result) == {"index": "stateful"}


def test_aiohttp_encrypted_cookie_storage(scan_files):
    result = scan_files({
        "srv.py": '''
            import base64

            from aiohttp import web
            from aiohttp_session import get_session, setup
            from aiohttp_session.cookie_storage import EncryptedCookieStorage
            from cryptography import fernet


            async def basket(request):
                session = await get_session(request)
                return web.json_response({"items": session.get("items", [])})


            def make_app():
                app = web.Application()
                key = fernet.Fernet.generate_key()
                setup(app, EncryptedCookieStorage(base64.urlsafe_b64decode(key)))
                app.router.add_get("/basket", basket)
                return app
        ''',
    })
    finding = only_finding(result)
    # reported where the key is drawn; the call it is handed to is a related location
    assert (finding.path, finding.line) == ("srv.py", 16)
    assert ("srv.py", 17, "passed to EncryptedCookieStorage()") in {
        (item.path, item.line, item.message) for item in finding.related}
    assert finding.message.startswith(
        "the key given to `EncryptedCookieStorage()` is drawn at random "
        "(`Fernet.generate_key()`) in each process")
    assert verdicts(result) == {"basket": "stateful"}


def test_module_level_jwt_secret_marks_the_handlers_that_use_it(scan_files):
    result = scan_files({
        "api.py": '''
            import secrets

            import jwt
            from fastapi import Depends, FastAPI, Header

            app = FastAPI()
            SECRET = secrets.token_hex(32)


            def current_user(authorization: str = Header()):
                return jwt.decode(authorization, SECRET, algorithms=["HS256"])["sub"]


            @app.post("/login")
            async def login(user: str):
                return {"token": jwt.encode({"sub": user}, SECRET, algorithm="HS256")}


            @app.get("/me")
            async def me(user: str = Depends(current_user)):
                return {"user": user}


            @app.get("/health")
            async def health():
                return {"ok": True}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("api.py", 7)
    assert finding.message == (
        f"`SECRET` is drawn at random (`secrets.token_hex()`) in each process, {SIGNS} "
        "(signs for login, me)")
    assert verdicts(result) == {"login": "stateful", "me": "stateful", "health": "self-contained"}


def test_uuid4_as_a_key(scan_files):
    result = scan_files({
        "app.py": '''
            import uuid

            from flask import Flask

            app = Flask(__name__)
            app.config.update(SECRET_KEY=str(uuid.uuid4()), JSON_SORT_KEYS=False)


            @app.get("/")
            def index():
                return "hi"
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("app.py", 6)
    assert finding.message.startswith("`SECRET_KEY` is drawn at random (`uuid.uuid4()`)")


# ---------------------------------------------------------------------------
# Not state
# ---------------------------------------------------------------------------


def assert_quiet(result, *handlers):
    assert not secret_findings(result), secret_findings(result)
    found = verdicts(result)
    for handler in handlers:
        assert found.get(handler) == "self-contained", found


def test_secret_from_the_environment_without_default_is_quiet(scan_files):
    result = scan_files({
        "app.py": '''
            import os

            from flask import Flask, session

            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
            app.config.update(JWT_SECRET_KEY=os.getenv("JWT_SECRET_KEY"))


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
    })
    assert_quiet(result, "index")


def test_random_values_per_request_are_quiet(scan_files):
    result = scan_files({
        "app.py": '''
            import os
            import secrets
            import uuid

            from flask import Flask, g, session

            app = Flask(__name__)
            app.secret_key = os.environ["SECRET_KEY"]


            @app.before_request
            def tag_request():
                g.request_id = uuid.uuid4().hex


            @app.get("/form")
            def form():
                session["csrf_token"] = secrets.token_urlsafe(32)
                nonce = secrets.token_hex(8)
                return {"nonce": nonce, "request": g.request_id}
        ''',
    })
    assert_quiet(result, "form")


def test_uuid_row_ids_and_seeds_are_quiet(scan_files):
    result = scan_files({
        "app.py": '''
            import os
            import random
            import uuid

            from fastapi import FastAPI
            from pydantic import BaseModel, Field

            random.seed(int(os.environ.get("SEED", "7")))
            SAMPLE_RATE = random.random()
            app = FastAPI()


            class Order(BaseModel):
                id: str = Field(default_factory=lambda: str(uuid.uuid4()))
                item: str


            @app.post("/orders")
            async def create(order: Order):
                return {"id": str(uuid.uuid4()), "item": order.item}
        ''',
    })
    assert_quiet(result, "create")


def test_random_keys_in_tests_and_scripts_are_quiet(scan_files):
    result = scan_files({
        "app.py": '''
            import os

            from flask import Flask, session

            app = Flask(__name__)
            app.secret_key = os.environ["SECRET_KEY"]


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
        "scripts/make_key.py": '''
            import secrets

            SECRET_KEY = secrets.token_hex(32)
            print(SECRET_KEY)
        ''',
        "tests/conftest.py": '''
            import os

            from app import app

            app.secret_key = os.urandom(16)
        ''',
        "tools.py": '''
            import secrets

            if __name__ == "__main__":
                SECRET_KEY = secrets.token_urlsafe()
                print(SECRET_KEY)
        ''',
    })
    assert_quiet(result, "index")


def test_testing_config_class_is_quiet(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/config.py": '''
            import os


            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]


            class TestingConfig(Config):
                SECRET_KEY = os.urandom(16)
        ''',
        "shop/app.py": '''
            from flask import Flask, session

            from shop.config import Config

            app = Flask(__name__)
            app.config.from_object(Config)


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
    })
    assert_quiet(result, "index")


def test_per_user_secrets_kept_with_the_user_are_quiet(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/models.py": '''
            import secrets


            class User:
                def __init__(self, name):
                    self.name = name
                    self.secret = ""

                def reset_secret(self):
                    self.secret = secrets.token_hex(16)


            def new_user(name):
                user = User(name)
                user.secret = secrets.token_hex(16)
                return user
        ''',
        "shop/app.py": '''
            import os

            from flask import Flask

            from shop.models import new_user

            app = Flask(__name__)
            app.secret_key = os.environ["SECRET_KEY"]


            @app.post("/users/<name>")
            def register(name):
                return {"name": new_user(name).name}
        ''',
    })
    assert_quiet(result, "register")


def test_an_unnamed_key_handed_to_a_serializer(scan_files):
    result = scan_files({
        "accounts.py": '''
            import os

            from flask import Flask, request
            from itsdangerous import URLSafeTimedSerializer

            app = Flask(__name__)
            app.secret_key = os.environ["SECRET_KEY"]
            _KEY = os.urandom(32)
            serializer = URLSafeTimedSerializer(_KEY, salt="reset")


            @app.post("/reset")
            def reset():
                return {"token": serializer.dumps(request.form["email"])}


            @app.post("/reset/confirm")
            def confirm():
                return {"email": serializer.loads(request.form["token"], max_age=3600)}


            @app.get("/health")
            def health():
                return {"ok": True}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("accounts.py", 8)
    assert finding.message == (
        f"`_KEY` is drawn at random (`os.urandom()`) in each process, {SIGNS} "
        "(signs for reset, confirm)")
    assert ("accounts.py", 9, "passed to URLSafeTimedSerializer()") in [(loc.path, loc.line, loc.message)
                                             for loc in finding.related]
    assert verdicts(result) == {"reset": "stateful", "confirm": "stateful",
                                "health": "self-contained"}


def test_the_helper_that_draws_the_key_is_cited(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/keys.py": '''
            import secrets


            def make_key():
                return secrets.token_urlsafe(50)
        ''',
        "shop/settings.py": '''
            from shop.keys import make_key

            SECRET_KEY = make_key()
            INSTALLED_APPS = ["django.contrib.sessions"]
            ROOT_URLCONF = "shop.urls"
        ''',
        "shop/urls.py": '''
            from django.urls import path

            from shop import views

            urlpatterns = [path("cart/", views.cart)]
        ''',
        "shop/views.py": '''
            from django.http import JsonResponse


            def cart(request):
                return JsonResponse({"items": request.session.get("items", [])})
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("shop/settings.py", 3)
    assert finding.message.startswith("`SECRET_KEY` is drawn at random (`make_key()`)")
    assert ("shop/keys.py", 4, "make_key() draws it with secrets.token_urlsafe()") in [
        (loc.path, loc.line, loc.message) for loc in finding.related]
    assert verdicts(result) == {"cart": "stateful"}


def test_a_key_joined_from_random_characters(scan_files):
    result = scan_files({
        "config/__init__.py": "",
        "config/settings.py": '''
            import os
            import random
            import string

            SECRET_KEY = os.environ.get(
                "DJANGO_SECRET_KEY",
                "".join(random.SystemRandom().choice(string.ascii_letters) for _ in range(50)),
            )
            INSTALLED_APPS = ["django.contrib.sessions"]
            ROOT_URLCONF = "config.urls"
        ''',
        "config/urls.py": '''
            from django.http import JsonResponse
            from django.urls import path


            def cart(request):
                return JsonResponse({"items": request.session.get("items", [])})


            urlpatterns = [path("cart/", cart)]
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line) == ("config/settings.py", 5)
    assert finding.message.startswith(
        "`SECRET_KEY` falls back to a random value (`random.SystemRandom()`) when "
        "`DJANGO_SECRET_KEY` is not set, so by default")
    assert verdicts(result) == {"cart": "stateful"}


def test_config_classes_random_only_where_nobody_runs_it_are_quiet(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/config.py": '''
            import os


            class Config:
                SECRET_KEY = os.urandom(24)


            class ProductionConfig(Config):
                SECRET_KEY = os.environ["SECRET_KEY"]


            class DevelopmentConfig(Config):
                DEBUG = True
        ''',
        "shop/app.py": '''
            from flask import Flask, session

            from shop.config import ProductionConfig

            app = Flask(__name__)
            app.config.from_object(ProductionConfig)


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
    })
    assert_quiet(result, "index")


def test_config_class_with_a_random_key(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/config.py": '''
            import secrets


            class Config:
                SECRET_KEY = secrets.token_hex(32)
                SESSION_COOKIE_SECURE = True
        ''',
        "shop/app.py": '''
            from flask import Flask, session

            from shop.config import Config

            app = Flask(__name__)
            app.config.from_object(Config)


            @app.get("/")
            def index():
                return {"visits": session.get("visits", 0)}
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line, finding.symbol) == (
        "shop/config.py", 5, "shop.config.Config.SECRET_KEY")
    assert verdicts(result) == {"index": "stateful"}


def test_a_settings_class_named_only_in_the_factorys_default_string(scan_files):
    """``create_app(config="board.config.Config")`` loads the settings module by name, never
    by import; its class is what production runs with even though test modules subclass it."""
    files = {
        "board/__init__.py": '''
from flask import Flask, session


def create_app(config="board.config.Config"):
    app = Flask(__name__)
    app.config.from_object(config)

    @app.get("/me")
    def me():
        return {"user": session.get("user_id")}

    return app
''',
        "board/config.py": '''
import configparser
import os

config_ini = configparser.ConfigParser()
config_ini.read("config.ini")


def empty_str_cast(value, default=None):
    return default if value == "" else value


def gen_secret_key():
    try:
        with open(".board_secret_key", "rb") as handle:
            key = handle.read()
    except OSError:
        key = None
    if not key:
        key = os.urandom(64)
        with open(".board_secret_key", "wb") as handle:
            handle.write(key)
    return key


class ServerConfig:
    SECRET_KEY: str = empty_str_cast(config_ini["server"]["SECRET_KEY"]) \\
        or gen_secret_key()
    SESSION_COOKIE_HTTPONLY = True


class TestingConfig(ServerConfig):
    SECRET_KEY = "AAAAAAAAAAAAAAAA"
    TESTING = True


Config = ServerConfig()
''',
        "tests/__init__.py": "",
        "tests/test_events.py": '''
from board import create_app
from board.config import TestingConfig


def test_redis_events():
    class RedisConfig(TestingConfig):
        REDIS_URL = "redis://localhost:6379/1"

    app = create_app(RedisConfig)
    assert app
''',
    }
    finding = only_finding(scan_files(files))
    assert (finding.path, finding.line) == ("board/config.py", 26)
    assert finding.severity == "warning"
    assert finding.message.startswith(
        "`SECRET_KEY` is generated at random by `gen_secret_key()` and kept in a local file")
    assert verdicts(scan_files(files)) == {"create_app.me": "stateful"}


def test_a_key_replaced_by_a_random_one_when_the_variable_is_empty(scan_files):
    """``SECRET_KEY = env(...)`` then ``if not SECRET_KEY: SECRET_KEY = token_urlsafe()``: the
    second assignment is the one in force whenever the variable is unset."""
    files = {
        "gym/__init__.py": "",
        "gym/settings.py": '''
import os
import secrets
import warnings

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
INSTALLED_APPS = ["django.contrib.sessions", "gym"]
ROOT_URLCONF = "gym.urls"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    SECRET_KEY = secrets.token_urlsafe(50)
    if not DEBUG:
        warnings.warn("SECRET_KEY is not set: a random key was generated")
''',
        "gym/urls.py": '''
from django.urls import path

from gym import views

urlpatterns = [path("workouts/", views.workouts)]
''',
        "gym/views.py": '''
from django.http import JsonResponse


def workouts(request):
    return JsonResponse({"user": request.session.get("user_id")})
''',
    }
    finding = only_finding(scan_files(files))
    assert (finding.path, finding.line, finding.severity) == ("gym/settings.py", 11, "error")
    assert finding.message.startswith(
        "`SECRET_KEY` is drawn at random (`secrets.token_urlsafe()`) in each process")
    assert verdicts(scan_files(files)) == {"workouts": "stateful"}


def test_traitlets_application_draws_its_cookie_secret_in_a_method_it_runs_at_start_up(scan_files):
    result = scan_files({
        "wiki/__init__.py": "",
        "wiki/app.py": '''
            import os
            import secrets

            from tornado import ioloop, web
            from traitlets import Bytes, Unicode
            from traitlets.config import Application


            class PageHandler(web.RequestHandler):
                def get(self, name):
                    self.write({"page": name, "editor": self.get_secure_cookie("editor")})


            class WikiApp(Application):
                cookie_secret = Bytes(help="Signs the editor cookie").tag(config=True)
                secret_path = Unicode("wiki.key").tag(config=True)

                def load_signing_key(self):
                    secret = os.environ.get("WIKI_COOKIE_SECRET", "").encode()
                    if not secret:
                        secret = secrets.token_bytes(32)
                        with open(self.secret_path, "w") as stored:
                            stored.write(secret.hex())
                    self.cookie_secret = secret

                def initialize(self, argv=None):
                    super().initialize(argv)
                    self.load_signing_key()
                    self.web_app = web.Application([(r"/wiki/(.*)", PageHandler)],
                                                   cookie_secret=self.cookie_secret)

                def start(self):
                    self.web_app.listen(8000)
                    ioloop.IOLoop.current().start()


            main = WikiApp.launch_instance

            if __name__ == "__main__":
                main()
        ''',
    })
    finding = only_finding(result)
    # the library runs initialize() on the instance it launches, which runs load_signing_key()
    assert (finding.path, finding.line, finding.severity) == ("wiki/app.py", 21, "warning")
    assert finding.message.startswith(
        "`cookie_secret` is generated at random by `secrets.token_bytes()` and kept in a local "
        "file: each machine or container that starts without that file makes its own key")
    assert ("wiki/app.py", 24, "sets cookie_secret") in {
        (item.path, item.line, item.message) for item in finding.related}


def test_class_attribute_token_replaced_at_random_by_the_function_that_runs_the_server(scan_files):
    result = scan_files({
        "jobs/__init__.py": "",
        "jobs/codec.py": '''
            import binascii


            def to_hex(raw):
                return binascii.hexlify(raw).decode("ascii")
        ''',
        "jobs/api.py": '''
            import os

            from bottle import abort, get, run

            from jobs.codec import to_hex


            class Registry:
                operator_token = ""
                jobs = {}


            @get("/admin/<token>/jobs")
            def list_jobs(token):
                if token != Registry.operator_token:
                    abort(401)
                return {"jobs": sorted(Registry.jobs)}


            @get("/version")
            def version():
                return {"version": "1.4"}


            def serve(host="127.0.0.1", port=8775):
                Registry.operator_token = to_hex(os.urandom(16))
                print("admin token:", Registry.operator_token)
                run(host=host, port=port)
        ''',
        "jobsapi.py": '''
            from jobs import api


            def main():
                api.serve(port=9000)


            if __name__ == "__main__":
                main()
        ''',
    })
    finding = only_finding(result)
    assert (finding.path, finding.line, finding.severity) == ("jobs/api.py", 26, "error")
    assert finding.message.startswith(
        "`operator_token` is drawn at random (`os.urandom()`) in each process, so every worker "
        "and replica signs sessions")


def test_token_drawn_per_request_is_not_a_per_process_key(scan_files):
    result = scan_files({
        "api.py": '''
            import secrets

            from flask import Flask, session

            app = Flask(__name__)
            app.secret_key = "configured-elsewhere"


            @app.post("/form")
            def form():
                session["csrf_token"] = secrets.token_hex(16)
                return {"csrf_token": session["csrf_token"]}
        ''',
    })
    assert [verdict.handler.name for verdict in result.verdicts] == ["form"]
    assert secret_findings(result) == []
