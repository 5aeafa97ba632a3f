"""Keys drawn at random in each process: where the application gets a signing or
encryption key whose value the process draws itself, and the handlers that depend on it.

A key counts when it is set where the application is configured (a module-level name, a
settings class, ``app.config``, a keyword of a session middleware or serializer, ...) and
the value comes from a randomness source of ``rules/secrets.toml``. A key set inside a
function counts when the function runs at start-up as the semantic model sees it (the
start-up table's hooks and factories, ``main()`` and what module-level code calls, the
methods a library runs on the application it launches) or when it configures a
framework's object; a value drawn per request is a nonce, not a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statelint.config_values import (
    Setting,
    Source,
    calls_within,
    definition_of,
    settings,
    sources,
)
from statelint.failures import analysis
from statelint.knowledge import load_table, matches
from statelint.model import Span
from statelint.project import Project, Reach
from statelint.state import (
    handler_reaches,
    iter_values,
    local_value,
    process_startup,
    reads_bindings,
    request_reaches,
    web_loaded_modules,
)

#: Values whose parts the facts do not keep: the calls inside the statement tell what they hold.
OPAQUE = frozenset({"comprehension", "fstring", "binop", "other"})


@dataclass
class RandomKey:
    """A key drawn at random (``call``) at ``path``/``span``, and the settings that hand it
    to the application. ``env`` names the variable whose absence selects the random value;
    ``helper`` is the project function that draws it; ``persisted`` is true when the code
    that draws it also keeps it in a local file."""

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


@analysis("keys drawn at random")
def random_keys(project: Project) -> list[RandomKey]:
    """Every key drawn at random in each process, one per place it is drawn."""
    table = load_table("secrets")
    per_request = {function_id for reach in request_reaches(project)
                   for function_id in reach.parents}
    startup = process_startup(project)
    loaded = web_loaded_modules(project)
    markers = set(table["frameworks"]["django_settings_markers"])
    draws: dict[tuple[str, int], RandomKey] = {}
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
                setting.function_id in per_request
                or not (frameworks or setting.function_id in startup)):
            continue  # drawn per request (a nonce), or on some object, not the app's key
        found = _random_source(project, setting, table)
        if found is None:
            continue
        source, call = found
        where = origin or _drawn_at(project, setting, source, call) or (setting.path, setting.span)
        key = setting.key
        if key.startswith("#") and origin is not None:
            key = setting.value.target.rsplit(".", 1)[-1]  # the name handed over
        draw = draws.setdefault((where[0], where[1].line), RandomKey(
            where[0], where[1], key, call, source.env, source.helper,
            _persists(project, source.helper or setting.function_id, table)))
        draw.settings.append(setting)
        draw.frameworks |= frameworks
    for draw in draws.values():
        draw.reaches = _affected(project, draw)
    return list(draws.values())


def _random_source(project: Project, setting: Setting, table: dict) -> tuple[Source, str] | None:
    """The value a setting can take that is drawn at random, with the randomness source;
    when the value is computed by calls the facts do not follow (a project helper given
    ``os.urandom(16)``, an f-string), any random call inside the statement."""
    found = sources(project, setting.value, setting.function_id)
    for source in found:
        call = _random_call(project, source, table)
        if call is not None:
            return source, call
    if setting.kind not in ("binding", "attribute", "item", "class_attr"):
        return None
    env = next((source.env for source in found if source.env), "")
    for value in calls_within(project, setting):
        call = _random_call(project, Source(value), table)
        if call is not None:
            return Source(value, env), call
    return None


def _drawn_at(project: Project, setting: Setting, source: Source, call: str
              ) -> tuple[str, Span] | None:
    """Where a key set inside a function from a local was drawn (``secret =
    secrets.token_bytes(32)`` some lines above ``self.cookie_secret = secret``)."""
    if source.helper or not setting.function_id or setting.function_id not in project.functions:
        return None
    facts, fn = project.functions[setting.function_id]
    for made in fn.calls:
        if setting.span.line <= made.span.line <= setting.span.end_line:
            continue
        if made.target and project.qualify(made.target.split("()", 1)[0]) == call:
            return facts.path, made.span
    return None


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


def _persists(project: Project, function_id: str, table: dict) -> bool:
    """True when the function that draws the key also writes or reads it from a file."""
    if not function_id or function_id not in project.functions:
        return False
    _, fn = project.functions[function_id]
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


def _affected(project: Project, draw: RandomKey) -> list[Reach]:
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
