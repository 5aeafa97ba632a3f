"""SL901 per-process-secret: a signing or encryption key drawn at random in each process."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from statelint.config_values import (
    Setting,
    Source,
    calls_within,
    definition_of,
    settings,
    sources,
)
from statelint.knowledge import load_table, matches
from statelint.model import Finding, Location, Span
from statelint.project import Project, Reach
from statelint.rule import Example, Rule
from statelint.state import (
    Site,
    handler_reaches,
    iter_values,
    local_value,
    name_list,
    reach_names,
    reads_bindings,
    request_reaches,
    site_finding,
    startup_functions,
    web_loaded_modules,
)

#: Values whose parts the facts do not keep: the calls inside the statement tell what they hold.
OPAQUE = frozenset({"comprehension", "fstring", "binop", "other"})


@dataclass
class Draw:
    """A key drawn at random, and the settings that hand it to the application."""

    path: str
    span: Span
    key: str
    call: str
    env: str = ""
    helper: str = ""
    persisted: bool = False
    settings: list[Setting] = field(default_factory=list)
    frameworks: set[str] = field(default_factory=set)
    reaches: list[Reach] = field(default_factory=list)


class PerProcessSecret(Rule):
    """A secret key the application signs with, generated at random in every process."""

    code = "SL901"
    prescan_tokens = (
        "urandom", "token_hex", "token_urlsafe", "token_bytes", "randbits", "uuid4",
        "get_random_string", "get_random_secret_key", "generate_key", "SystemRandom", "random",
        "gen_salt", "getrandom", "SECRET_KEY", "secret_key", "cookie_secret", "SECRET",
        "JWT_SECRET_KEY", "jwt_secret",
    )
    name = "per-process-secret"
    severity = "error"
    how = "key"
    summary = "Secret or signing key generated at random when each process starts"
    what_it_finds = """
A key that requests are signed or encrypted with (a secret key, a cookie
secret, a JWT or session secret, a signing key: the names are in
`rules/secrets.toml`) whose value is drawn at random by the process itself:
`os.urandom`, `secrets.token_*`, `uuid.uuid4`, `random`, Django's
`get_random_secret_key`, `Fernet.generate_key`, ... It is found wherever
the application is configured: Flask `app.secret_key` and
`app.config["SECRET_KEY"]` (and `config.update(...)`), a Django settings
module, a config class or a pydantic settings field (also through
`Field(default_factory=...)`), `SessionMiddleware(secret_key=...)` and
`add_middleware(..., secret_key=...)`, Tornado `cookie_secret`, aiohttp
`EncryptedCookieStorage(...)`, itsdangerous serializers and `jwt.encode`
keys taken from a module-level name. The value is followed through names,
settings objects, locals and helper functions called without arguments.

A random default of an environment read (`os.environ.get("SECRET_KEY",
secrets.token_hex())`, `os.getenv("X") or os.urandom(32)`) is reported too:
the message says it happens *by default* and names the variable to set.

Severity: an error when every process draws its own key and keeps it only in
memory; a warning when the helper that draws it also writes it to a file,
because a key kept on one machine's disk is shared by the workers of that
machine but not by other replicas, unless the file lives on storage they all
mount, which statelint cannot see.

Handlers: the key signs whatever the framework signs with it (session
cookies, flashed messages, CSRF tokens), and any handler may use those, so
every handler of that framework is listed. A key that only some handlers
read (a JWT secret used by a login route and an authentication dependency)
lists the handlers that reach it; when neither can be told, every handler.

Not reported: a key read from the environment without a random default, a
random value drawn per request (a nonce, a request id, a CSRF token stored in
the session), random values in tests and scripts the web process does not
load, `uuid4` ids of new rows, and random seeds whose name is not a key's.
"""
    why_stateful = """
Each worker and replica signs with the key it drew itself. A session cookie,
CSRF token or JWT issued by one process fails the signature check in every
other one, so users are logged out or see "invalid token" depending on which
process the load balancer picks; every restart or deploy invalidates all of
them at once. The request no longer carries everything needed to serve it:
it also needs the process that issued its token.
"""
    how_to_fix = """
Generate the key once, outside the service, and give every process the same
one: read it from the environment or a secret manager with no random
fallback (`app.secret_key = os.environ["SECRET_KEY"]`, a pydantic settings
field without a default), so a deployment that forgets it fails at start-up
instead of splitting sessions per process. Rotate it deliberately (Django
`SECRET_KEY_FALLBACKS`, itsdangerous key lists), not on every restart.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("app.py", 6, "`secret_key` is drawn at random (`os.urandom()`) in each process, so"),
            ),
            title="a Flask secret key drawn at import time",
            handlers=("login", "profile"),
            files={
                "app.py": '''
import os

from flask import Flask, session

app = Flask(__name__)
app.secret_key = os.urandom(24)


@app.post("/login")
def login():
    session["user"] = "ada"
    return "ok"


@app.get("/profile")
def profile():
    return {"user": session.get("user")}
''',
            },
        ),
        Example(
            kind="self-contained",
            title="the key read from the environment, the same in every process",
            files={
                "app.py": '''
import os
import secrets

from flask import Flask, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


@app.post("/login")
def login():
    session["user"] = "ada"
    session["nonce"] = secrets.token_hex(16)
    return "ok"
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per key drawn at random, at the place it is drawn."""
        table = load_table("secrets")
        per_request = {function_id for reach in request_reaches(project)
                       for function_id in reach.parents}
        startup = startup_functions(project)
        loaded = web_loaded_modules(project)
        markers = set(table["frameworks"]["django_settings_markers"])
        draws: dict[tuple[str, int], Draw] = {}
        for setting in settings(project):
            facts = project.modules[setting.module]
            django = bool(markers & {binding.name for binding in facts.bindings})
            if setting.module not in loaded and not django:
                continue  # a script or job the web workers never import
            if not _holds_key(project, setting, table):
                continue
            origin = definition_of(project, setting)
            frameworks = _frameworks(project, setting, table)
            if django and setting.kind == "binding":
                frameworks.add("django")
            if setting.function_id and origin is None and (
                    setting.function_id in per_request or not (frameworks or setting.function_id
                                                               in startup)):
                continue  # drawn per request (a nonce), or on some object, not the app's key
            found = sources(project, setting.value, setting.function_id)
            opaque = [source for source in found if setting.kind in ("binding", "attribute", "item")
                      and any(item.kind in OPAQUE for item in iter_values(source.value))]
            if opaque:
                found += [Source(call, opaque[0].env) for call in calls_within(project, setting)]
            for source in found:
                call = _random_call(project, source, table)
                if call is None:
                    continue
                where = origin or (setting.path, setting.span)
                key = setting.key
                if key.startswith("#") and origin is not None:
                    key = setting.value.target.rsplit(".", 1)[-1]  # the name handed over
                draw = draws.setdefault((where[0], where[1].line), Draw(
                    where[0], where[1], key, call, source.env, source.helper,
                    _persists(project, source.helper, table)))
                draw.settings.append(setting)
                draw.frameworks |= frameworks
                break
        for draw in draws.values():
            draw.reaches = _affected(project, draw)
            yield self._finding(project, draw)

    def _finding(self, project: Project, draw: Draw) -> Finding:
        key = draw.key
        subject = f"`{key}`"
        if key.startswith("#"):
            owner = next((s.owner for s in draw.settings if s.owner), "")
            key = "secret_key"
            subject = f"the key given to `{owner.rsplit('.', 1)[-1]}()`"
        short = ".".join(draw.call.split(".")[-2:])
        where = f"`{draw.helper.split(':')[-1]}()`" if draw.helper else f"`{short}()`"
        signs = "signs sessions, cookies and tokens with its own key"
        if draw.persisted:
            message = (f"{subject} is generated at random by {where} and kept in a local file: "
                       "each machine or container that starts without that file makes its own "
                       "key, so replicas reject each other's sessions and tokens unless the "
                       "file is on storage they all share")
        elif draw.env:
            message = (f"{subject} falls back to a random value ({where}) when `{draw.env}` is "
                       f"not set, so by default every worker and replica {signs}: a session "
                       "signed by one is rejected by the others, and all die on restart")
        else:
            message = (f"{subject} is drawn at random ({where}) in each process, so every "
                       f"worker and replica {signs}: a session signed by one is rejected by "
                       "the others, and all die on restart")
        names = reach_names(draw.reaches)
        if names:
            message += f" (signs for {name_list(names)})"
        variable = draw.env or (key.upper() if key.isidentifier() else "SECRET_KEY")
        suggestion = (f"Set `{key}` from the environment or a secret manager with no random "
                      f"default (`os.environ[\"{variable}\"]`), the same value for every worker "
                      "and replica, so a missing key fails at start-up instead of splitting "
                      "sessions per process.")
        related = [Location(s.path, s.span.line, s.span.column, _hands_over(s))
                   for s in draw.settings if (s.path, s.span.line) != (draw.path, draw.span.line)]
        if draw.helper in project.functions:
            facts, fn = project.functions[draw.helper]
            related.append(Location(facts.path, fn.span.line, fn.span.column,
                                    f"{fn.qualname}() draws it with {draw.call}()"))
        sites = [Site(draw.path, draw.span, "", None, f"{key} drawn with {draw.call}()")]
        readers = [Site(reach.handler.path, Span(reach.handler.line, reach.handler.column,
                                                 reach.handler.line, reach.handler.column),
                        "", reach, "") for reach in draw.reaches]
        primary = Location(draw.path, draw.span.line, draw.span.column, "",
                           draw.span.end_line, draw.span.end_column)
        first = draw.settings[0]
        symbol = f"{first.owner.replace(':', '.') if first.kind == 'class_attr' else first.module}.{key}"
        return site_finding(project, type(self), symbol, sites, message=message,
                            suggestion=suggestion, final_message=f"random key: {draw.call}()",
                            severity="warning" if draw.persisted else "error", how="key",
                            primary=primary, related=related, readers=readers)


def _hands_over(setting: Setting) -> str:
    """How a setting hands the key over: ``passed to URLSafeTimedSerializer()``, ``sets KEY``."""
    call = setting.owner.rsplit(".", 1)[-1]
    if setting.kind == "argument":
        return f"passed to {call}()"
    if setting.kind == "keyword":
        return f"passed to {call}() as {setting.key}"
    return f"sets {setting.key}"


def _holds_key(project: Project, setting: Setting, table: dict) -> bool:
    """True when the setting is a key requests are signed with (by name or by position)."""
    if setting.kind in ("keyword", "argument"):
        owner = project.qualify(setting.owner) if setting.owner else ""
        for spec in table["arguments"]["call"]:
            if owner and matches(owner, spec["targets"]) and (
                    setting.key in (f"#{spec['index']}", spec["keyword"])):
                return True
    return matches(setting.key.lower(), table["names"]["secret"])


def _random_call(project: Project, source: Source, table: dict) -> str | None:
    """The randomness source a value is drawn from (``str(uuid4())`` included), if any."""
    for value in iter_values(source.value):
        if value.kind == "call" and value.target:
            qualified = project.qualify(value.target.split("()", 1)[0])
            if matches(qualified, table["randomness"]["sources"]):
                return qualified
    return None


def _persists(project: Project, helper: str, table: dict) -> bool:
    """True when the helper that draws the key also writes or reads it from a file."""
    if not helper or helper not in project.functions:
        return False
    _, fn = project.functions[helper]
    writers = table["persistence"]["writers"]
    return any(matches(project.qualify(call.target), writers) or matches(call.target, writers)
               for call in fn.calls if call.target)


def _frameworks(project: Project, setting: Setting, table: dict) -> set[str]:
    """The frameworks whose handlers a key set this way signs for."""
    packages: dict[str, list[str]] = table["frameworks"]["packages"]
    names = [setting.owner, *setting.peers] if setting.kind != "class_attr" else []
    found: set[str] = set()
    for name in names:
        if not name:
            continue
        head = name.split(".", 1)[0]
        if setting.function_id and setting.function_id in project.functions:
            local = local_value(project.functions[setting.function_id][1], head)
            if local is not None and local.kind == "call" and local.target:
                name = local.target
        symbol, _ = project.resolve(name)
        binding = project.binding(symbol)
        qualified = project.qualify(binding.value.target) if binding is not None and \
            binding.value.kind == "call" and binding.value.target else project.qualify(name)
        found |= set(packages.get(qualified.split(".", 1)[0], ()))
    return found


def _affected(project: Project, draw: Draw) -> list[Reach]:
    """Handlers of the frameworks it signs for, and handlers that read the key itself or the
    module-level object it is handed to (``serializer = URLSafeTimedSerializer(KEY)``)."""
    symbols = {f"{s.module}.{s.key}" for s in draw.settings if s.kind == "binding"}
    for setting in draw.settings:
        if not setting.function_id and setting.kind != "binding":
            symbols |= {f"{setting.module}.{binding.name}"
                        for binding in project.modules[setting.module].bindings
                        if binding.span.line <= setting.span.line <= binding.span.end_line}
    found: list[Reach] = []
    for reach in handler_reaches(project):
        if reach.handler.kind == "hook":
            continue
        if reach.handler.framework in draw.frameworks or reads_bindings(project, reach, symbols) or any(
                s.function_id in reach.parents for s in draw.settings if s.function_id):
            found.append(reach)
    if not found and not draw.frameworks:
        found = [reach for reach in handler_reaches(project) if reach.handler.kind != "hook"]
    return found

