"""The semantic model: objects followed from where a service builds them to where requests
change them.

Each test is a small multi-module service wired the way real ones are (app factories,
blueprint factories with closures, view classes given keywords by the framework,
singletons, partials, ``global`` rebinding in ``main()``), and asserts the exact objects,
their lifetimes, the request-time mutation sites and the handlers that reach them.
"""

from __future__ import annotations

import textwrap

from statelint.facts import extract_facts
from statelint.project import Project
from statelint.semantic import PointsTo, ProcessState, points_to


def build(files: dict[str, str]) -> Project:
    """Facts for each file (module names from the paths), linked into a project."""
    facts = []
    for path, source in files.items():
        module = path[:-3].replace("/", ".")
        is_package = module.endswith(".__init__")
        if is_package:
            module = module[: -len(".__init__")]
        facts.append(extract_facts(textwrap.dedent(source).encode(), path, module, is_package))
    return Project(facts)


def model_of(files: dict[str, str]) -> PointsTo:
    return points_to(build(files))


def summary(state: ProcessState) -> tuple[object, ...]:
    """What a rule would report: the object, its definition site, the changes and handlers."""
    return (
        state.object.kind, state.object.class_name, state.object.path, state.object.line,
        tuple((use.path, use.span.line, use.op, use.detail, use.function_id)
              for use in state.mutations),
        state.writers, state.reading_handlers,
    )


BLUEPRINT_FACTORY = {
    "shop/__init__.py": '''
        from flask import Flask

        from shop.inventory import Inventory
        from shop.views import make_blueprint


        def create_app():
            app = Flask(__name__)
            inventory = Inventory()
            app.register_blueprint(make_blueprint(inventory), url_prefix="/api")
            return app
    ''',
    "shop/inventory.py": '''
        class Inventory:
            def __init__(self):
                self._items = {}

            def add(self, sku, quantity):
                self._items[sku] = self._items.get(sku, 0) + quantity

            def count(self, sku):
                return self._items.get(sku, 0)
    ''',
    "shop/views.py": '''
        from flask import Blueprint, jsonify, request


        def make_blueprint(inventory):
            bp = Blueprint("inventory", __name__)

            @bp.post("/items/<sku>")
            def restock(sku):
                inventory.add(sku, int(request.json["quantity"]))
                return "", 204

            @bp.get("/items/<sku>")
            def stock(sku):
                return jsonify(count=inventory.count(sku))

            return bp
    ''',
}


def test_a_store_built_in_the_app_factory_and_closed_over_by_blueprint_handlers():
    model = model_of(BLUEPRINT_FACTORY)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "dict", "shop/inventory.py", 4,
        (("shop/inventory.py", 7, "setitem", "", "shop.inventory:Inventory.add"),),
        ("shop/views.py::make_blueprint.restock",),
        ("shop/views.py::make_blueprint.stock",),
    )
    assert state.object.lifetime == "process"
    assert [(use.function_id, use.span.line) for use in state.readers] == [
        ("shop.inventory:Inventory.add", 7), ("shop.inventory:Inventory.count", 10)]
    (inventory,) = model.values_of("shop.views:make_blueprint.restock", "inventory")
    assert (inventory.kind, inventory.class_name, inventory.path, inventory.line) == (
        "instance", "shop.inventory:Inventory", "shop/__init__.py", 10)
    assert inventory.lifetime == "process"
    assert model.values_of("shop.inventory:Inventory.add", "self") == (inventory,)


def test_the_extended_reach_follows_the_closure_into_the_store_method():
    model = model_of(BLUEPRINT_FACTORY)
    reach = model.reach("shop/views.py::make_blueprint.restock")
    assert reach is not None
    assert [step.callee for step in reach.chain("shop.inventory:Inventory.add")] == [
        "shop.inventory:Inventory.add"]


TORNADO = {
    "feed/app.py": '''
        import tornado.ioloop
        import tornado.web

        from feed.handlers import EntryHandler
        from feed.journal import Journal


        def make_app():
            journal = Journal()
            return tornado.web.Application([
                (r"/entries/(.*)", EntryHandler, dict(journal=journal)),
            ])


        if __name__ == "__main__":
            make_app().listen(8888)
            tornado.ioloop.IOLoop.current().start()
    ''',
    "feed/handlers.py": '''
        import tornado.web


        class EntryHandler(tornado.web.RequestHandler):
            def initialize(self, journal):
                self.journal = journal

            def post(self, topic):
                self.journal.record(topic, self.request.body)
                self.set_status(201)

            def get(self, topic):
                self.write({"entries": self.journal.entries_for(topic)})
    ''',
    "feed/journal.py": '''
        class Journal:
            def __init__(self):
                self.entries = []

            def record(self, topic, body):
                self.entries.append((topic, body))

            def entries_for(self, topic):
                return [body for name, body in self.entries if name == topic]
    ''',
}


def test_tornado_initialize_receives_the_store_from_the_url_spec_dict():
    model = model_of(TORNADO)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "list", "feed/journal.py", 4,
        (("feed/journal.py", 7, "mutate", "append", "feed.journal:Journal.record"),),
        ("feed/handlers.py::EntryHandler.post",),
        ("feed/handlers.py::EntryHandler.get",),
    )
    (journal,) = model.values_of("feed.handlers:EntryHandler.post", "self.journal")
    assert (journal.class_name, journal.path, journal.line, journal.lifetime) == (
        "feed.journal:Journal", "feed/app.py", 10, "process")
    (view,) = model.values_of("feed.handlers:EntryHandler.post", "self")
    assert (view.kind, view.class_name, view.lifetime) == (
        "instance", "feed.handlers:EntryHandler", "request")


RESTFUL = {
    "stats/api.py": '''
        from collections import Counter

        from flask import Flask
        from flask_restful import Api, Resource


        class PageViews:
            def __init__(self):
                self.hits = Counter()

            def hit(self, page):
                self.hits[page] += 1


        class PageResource(Resource):
            def __init__(self, views):
                self.views = views

            def post(self, page):
                self.views.hit(page)
                return {}, 201


        def create_app():
            app = Flask(__name__)
            api = Api(app)
            api.add_resource(PageResource, "/pages/<page>",
                             resource_class_kwargs={"views": PageViews()})
            return app
    ''',
}


def test_flask_restful_resource_class_kwargs_reach_the_resource_constructor():
    model = model_of(RESTFUL)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "collections.Counter", "stats/api.py", 10,
        (("stats/api.py", 13, "augassign", "", "stats.api:PageViews.hit"),),
        ("stats/api.py::PageResource.post",),
        (),
    )


SINGLETON = {
    "auth/sessions.py": '''
        class SessionRegistry:
            _instance = None

            def __init__(self):
                self._sessions = {}

            @classmethod
            def instance(cls):
                if cls._instance is None:
                    cls._instance = cls()
                return cls._instance

            def open(self, token, user):
                self._sessions[token] = user

            def user_for(self, token):
                return self._sessions.get(token)
    ''',
    "auth/main.py": '''
        import secrets

        from fastapi import FastAPI

        from auth.sessions import SessionRegistry

        app = FastAPI()


        @app.post("/login")
        def login(user: str):
            token = secrets.token_hex(16)
            SessionRegistry.instance().open(token, user)
            return {"token": token}


        @app.get("/me")
        def me(token: str):
            registry = SessionRegistry.instance()
            return {"user": registry.user_for(token)}
    ''',
}


def test_a_lazily_created_class_attribute_singleton_is_process_state():
    model = model_of(SINGLETON)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "dict", "auth/sessions.py", 6,
        (("auth/sessions.py", 15, "setitem", "", "auth.sessions:SessionRegistry.open"),),
        ("auth/main.py::login",),
        ("auth/main.py::me",),
    )
    (registry,) = model.values_of("auth.main:me", "registry")
    assert (registry.kind, registry.path, registry.line, registry.function, registry.lifetime) == (
        "instance", "auth/sessions.py", 11, "auth.sessions:SessionRegistry.instance", "process")


PARTIAL = {
    "chat/app.py": '''
        from collections import deque
        from functools import partial

        from aiohttp import web


        class Inbox:
            def __init__(self):
                self.messages = deque(maxlen=100)

            def push(self, message):
                self.messages.append(message)


        async def post_message(inbox, request):
            inbox.push(await request.text())
            return web.Response(status=201)


        def make_app():
            inbox = Inbox()
            app = web.Application()
            app.router.add_post("/messages", partial(post_message, inbox))
            return app
    ''',
}


def test_a_store_bound_by_functools_partial_reaches_the_handler_parameter():
    model = model_of(PARTIAL)
    (inbox,) = model.values_of("chat.app:post_message", "inbox")
    assert (inbox.class_name, inbox.line, inbox.lifetime) == ("chat.app:Inbox", 22, "process")
    (state,) = model.process_state()
    assert summary(state)[:5] == (
        "container", "collections.deque", "chat/app.py", 10,
        (("chat/app.py", 13, "mutate", "append", "chat.app:Inbox.push"),),
    )


GLOBAL_MAIN = {
    "tally/store.py": '''
        class VoteStore:
            def __init__(self, options):
                self.votes = {option: 0 for option in options}

            def vote(self, option):
                self.votes[option] += 1

            def results(self):
                return dict(self.votes)
    ''',
    "tally/server.py": '''
        from flask import Flask, jsonify

        from tally.store import VoteStore

        app = Flask(__name__)
        store = None


        @app.post("/vote/<option>")
        def vote(option):
            store.vote(option)
            return "", 204


        @app.get("/results")
        def results():
            return jsonify(store.results())


        def main():
            global store
            store = VoteStore(["yes", "no"])
            app.run()


        if __name__ == "__main__":
            main()
    ''',
}


def test_a_global_rebound_in_main_holds_the_store_the_handlers_change():
    model = model_of(GLOBAL_MAIN)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "dict", "tally/store.py", 4,
        (("tally/store.py", 7, "augassign", "", "tally.store:VoteStore.vote"),),
        ("tally/server.py::vote",),
        ("tally/server.py::results",),
    )
    (store,) = model.values_of("tally.server:vote", "store") or model.values_of(
        "tally.store:VoteStore.vote", "self")
    assert (store.class_name, store.path, store.line, store.lifetime) == (
        "tally.store:VoteStore", "tally/server.py", 23, "process")


PER_REQUEST = {
    "cart/views.py": '''
        from fastapi import FastAPI

        app = FastAPI()

        PRICES = {"apple": 3, "pear": 4}


        class Cart:
            def __init__(self):
                self.lines = {}

            def add(self, sku, quantity):
                self.lines[sku] = self.lines.get(sku, 0) + quantity

            def total(self):
                return sum(PRICES[sku] * n for sku, n in self.lines.items())


        @app.post("/quote")
        def quote(items: dict[str, int]):
            cart = Cart()
            for sku, quantity in items.items():
                cart.add(sku, quantity)
            return {"total": cart.total()}
    ''',
}


def test_an_object_built_per_request_is_request_lifetime():
    model = model_of(PER_REQUEST)
    assert model.process_state() == ()
    (cart,) = model.values_of("cart.views:quote", "cart")
    assert (cart.kind, cart.line, cart.lifetime) == ("instance", 22, "request")
    lines = model.values_of("cart.views:Cart.add", "self.lines")
    assert [(item.kind, item.line, item.lifetime) for item in lines] == [
        ("container", 11, "request")]


def test_a_read_only_table_is_process_lifetime_but_not_state():
    model = model_of(PER_REQUEST)
    prices = [item for item in model.objects if item.kind == "container" and item.line == 6]
    assert [(item.class_name, item.lifetime, item.function) for item in prices] == [
        ("dict", "process", "")]


STARTUP_ONLY = {
    "catalog/app.py": '''
        from flask import Flask, jsonify


        class Catalog:
            def __init__(self):
                self.products = {}

            def load(self, rows):
                for row in rows:
                    self.products[row["sku"]] = row

            def find(self, sku):
                return self.products.get(sku)


        def create_app():
            app = Flask(__name__)
            catalog = Catalog()
            catalog.load([{"sku": "a1", "name": "Anvil"}])

            @app.get("/products/<sku>")
            def product(sku):
                return jsonify(catalog.find(sku))

            return app
    ''',
}


def test_a_store_changed_only_at_start_up_is_not_request_time_state():
    model = model_of(STARTUP_ONLY)
    assert model.process_state() == ()
    (catalog,) = model.values_of("catalog.app:create_app.product", "catalog")
    assert (catalog.line, catalog.lifetime) == (19, "process")


def test_ids_and_results_do_not_depend_on_file_order():
    forward = model_of(BLUEPRINT_FACTORY)
    backward = model_of(dict(reversed(list(BLUEPRINT_FACTORY.items()))))
    assert forward.objects == backward.objects
    assert forward.states == backward.states


def test_the_model_is_computed_once_per_project():
    project = build(TORNADO)
    assert points_to(project) is points_to(project)


LIFESPAN_APP_STATE = {
    "notes/main.py": '''
        from contextlib import asynccontextmanager

        from fastapi import FastAPI, Request

        from notes.drafts import DraftBook


        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.drafts = DraftBook()
            yield


        app = FastAPI(lifespan=lifespan)


        @app.put("/drafts/{name}")
        async def save_draft(name: str, request: Request):
            request.app.state.drafts.save(name, await request.body())
            return {"saved": name}
    ''',
    "notes/drafts.py": '''
        class DraftBook:
            def __init__(self):
                self.pages = {}

            def save(self, name, body):
                self.pages[name] = body
    ''',
}


def test_a_store_put_on_app_state_in_the_lifespan_is_followed_through_request_app():
    model = model_of(LIFESPAN_APP_STATE)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "dict", "notes/drafts.py", 4,
        (("notes/drafts.py", 7, "setitem", "", "notes.drafts:DraftBook.save"),),
        ("notes/main.py::save_draft",),
        (),
    )
    (book,) = model.values_of("notes.main:save_draft", "request.app.state.drafts")
    assert (book.class_name, book.line, book.function, book.lifetime) == (
        "notes.drafts:DraftBook", 11, "notes.main:lifespan", "process")


AIOHTTP_APP_ITEMS = {
    "board/server.py": '''
        from aiohttp import web


        class Scoreboard:
            def __init__(self):
                self.scores = {}

            def record(self, player, points):
                self.scores[player] = self.scores.get(player, 0) + points


        async def init_scoreboard(app):
            app["scoreboard"] = Scoreboard()


        async def post_score(request):
            data = await request.json()
            scoreboard = request.app["scoreboard"]
            scoreboard.record(data["player"], data["points"])
            return web.json_response({"ok": True})


        def make_app():
            app = web.Application()
            app.on_startup.append(init_scoreboard)
            app.router.add_post("/scores", post_score)
            return app
    ''',
}


def test_an_aiohttp_app_item_set_at_start_up_is_followed_through_request_app():
    model = model_of(AIOHTTP_APP_ITEMS)
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "dict", "board/server.py", 7,
        (("board/server.py", 10, "setitem", "", "board.server:Scoreboard.record"),),
        ("board/server.py::post_score",),
        (),
    )


def test_facts_record_what_functions_return_and_where_locals_are_assigned():
    project = build({"svc/factory.py": '''
        import json


        def make_store(path):
            with open(path) as handle:
                seed = json.load(handle)
            store = {"seed": seed}
            if not seed:
                return None
            return store
    '''})
    _, fn = project.functions["svc.factory:make_store"]
    assert [(line, value.kind, value.target) for line, _, value in fn.returns] == [
        (10, "literal", ""), (11, "name", "store")]
    assert [name for name, _ in fn.local_assignments] == ["handle", "seed", "store"]
    assert fn.assignment_lines == (6, 7, 8)


DEPENDENCY = {
    "quotes/deps.py": '''
        from quotes.limits import RateLimiter

        limiter = RateLimiter(per_minute=30)


        def get_limiter():
            return limiter
    ''',
    "quotes/limits.py": '''
        import time
        from collections import defaultdict


        class RateLimiter:
            def __init__(self, per_minute):
                self.per_minute = per_minute
                self.calls = defaultdict(list)

            def allow(self, client):
                now = time.monotonic()
                self.calls[client].append(now)
                return len(self.calls[client]) <= self.per_minute
    ''',
    "quotes/api.py": '''
        from fastapi import Depends, FastAPI, HTTPException

        from quotes.deps import get_limiter
        from quotes.limits import RateLimiter

        app = FastAPI()


        @app.get("/quote")
        def quote(client: str, limiter: RateLimiter = Depends(get_limiter)):
            if not limiter.allow(client):
                raise HTTPException(429)
            return {"quote": "Simplicity is prerequisite for reliability."}
    ''',
}


def test_a_dependency_returning_a_module_level_object_is_followed_into_the_parameter():
    model = model_of(DEPENDENCY)
    (limiter,) = model.values_of("quotes.api:quote", "limiter")
    assert (limiter.class_name, limiter.path, limiter.line, limiter.lifetime) == (
        "quotes.limits:RateLimiter", "quotes/deps.py", 4, "process")
    (state,) = model.process_state()
    assert summary(state) == (
        "container", "collections.defaultdict", "quotes/limits.py", 9,
        (("quotes/limits.py", 13, "mutate", "append", "quotes.limits:RateLimiter.allow"),),
        ("quotes/api.py::quote",),
        (),
    )
    assert model.object(state.object.id) == state.object


def test_class_objects_changed_at_request_time_are_there_when_asked_for():
    model = model_of(SINGLETON)
    (state,) = model.process_state(kinds=("class",))
    assert (state.object.id, [(use.op, use.detail, use.span.line) for use in state.mutations]) == (
        "class auth.sessions:SessionRegistry", [("setattr", "_instance", 11)])


HOOK_IN_FACTORY = {
    "portal/app.py": '''
        from flask import Flask, jsonify


        class Traffic:
            def __init__(self):
                self.requests = 0


        def create_app():
            app = Flask(__name__)
            traffic = Traffic()

            @app.before_request
            def count_request():
                traffic.requests += 1

            @app.get("/traffic")
            def show_traffic():
                return jsonify(requests=traffic.requests)

            return app
    ''',
}


def test_a_hook_defined_inside_the_app_factory_runs_per_request():
    model = model_of(HOOK_IN_FACTORY)
    (state,) = model.process_state()
    assert (state.object.kind, state.object.class_name, state.object.line) == (
        "instance", "portal.app:Traffic", 12)
    assert [(use.op, use.span.line, use.function_id) for use in state.mutations] == [
        ("augassign", 16, "portal.app:create_app.count_request")]
    # the hook runs as part of every request of the app it is registered on
    assert state.writers == ("portal/app.py::create_app.show_traffic",)
    reach = model.reach("portal/app.py::create_app.show_traffic")
    assert reach is not None and "portal.app:create_app.count_request" in reach.parents


def defaults_service(helper: str) -> dict[str, str]:
    return {
        "news/tags.py": helper,
        "news/api.py": '''
            from fastapi import FastAPI

            from news.tags import ordered

            app = FastAPI()
            DEFAULT_TAGS = ["world", "local", "sport"]


            @app.get("/tags")
            def tags():
                return {"tags": ordered(DEFAULT_TAGS)}
        ''',
    }


def test_a_helper_that_copies_its_argument_before_changing_it_leaves_the_table_alone():
    copying = model_of(defaults_service('''
        def ordered(tags):
            tags = list(tags)
            tags.sort()
            return tags
    '''))
    assert copying.process_state() == ()
    in_place = model_of(defaults_service('''
        def ordered(tags):
            tags.sort()
            return tags
    '''))
    (state,) = in_place.process_state()
    assert (state.object.path, state.object.line, state.mutations[0].detail) == (
        "news/api.py", 7, "sort")


def test_star_parameters_collect_arguments_instead_of_being_them():
    model = model_of(defaults_service('''
        def ordered(*tags, reverse=False, **options):
            return sorted(tags, reverse=reverse)
    '''))
    assert model.values_of("news.tags:ordered", "tags") == ()
    assert model.process_state() == ()
    project = build(defaults_service("def ordered(*tags, reverse=False, **options): pass\n"))
    _, fn = project.functions["news.tags:ordered"]
    assert [(param.name, param.star) for param in fn.params] == [
        ("tags", 1), ("reverse", 0), ("options", 2)]


PAGES = {
    "site/pages.py": '''
        from fastapi import FastAPI

        app = FastAPI()


        class Page:
            def __init__(self, context, template):
                self.context = context
                self._compile(template)

            def _compile(self, template):
                self.parts = template.split("{}")

            def set(self, key, value):
                self.context[key] = value

            def render(self):
                return "".join(self.parts).format(**self.context)


        NOT_FOUND = Page({"title": "Not found"}, "<h1>{}</h1>")


        @app.get("/pages/{slug}")
        def page(slug: str):
            context = {"slug": slug}
            view = Page(context, "<article>{}</article>")
            view.set("title", slug.title())
            return view.render()


        @app.get("/missing")
        def missing():
            return NOT_FOUND.render()
    ''',
}


def test_constructor_fields_belong_to_the_object_each_call_builds():
    model = model_of(PAGES)
    assert model.process_state() == ()
    contexts = model.values_of("site.pages:page", "view.context")
    assert [(item.line, item.lifetime) for item in contexts] == [(27, "request")]


def test_attributes_set_by_a_method_only_constructors_call_are_construction():
    model = model_of(PAGES)
    assert model.process_state(kinds=("instance",)) == ()
    built = {(item.line, item.lifetime) for item in model.objects
             if item.kind == "instance" and item.class_name == "site.pages:Page"}
    assert built == {(22, "process"), (28, "request")}


SINGLETON_CONFIGURABLE = {
    "jobs/__init__.py": "",
    "jobs/queue.py": '''
        from traitlets import Dict, Integer, List
        from traitlets.config import SingletonConfigurable


        class JobQueue(SingletonConfigurable):
            limit = Integer(100).tag(config=True)
            pending = List()
            by_owner = Dict()

            def push(self, owner, job):
                self.pending.append(job)
                self.by_owner.setdefault(owner, []).append(job)


        class Batch(SingletonConfigurable):
            items = List()
    ''',
    "jobs/handlers.py": '''
        from tornado import web

        from jobs.queue import Batch, JobQueue


        class SubmitHandler(web.RequestHandler):
            def post(self, owner):
                JobQueue.instance().push(owner, self.get_argument("job"))
                self.write({"queued": True})


        class PreviewHandler(web.RequestHandler):
            def post(self):
                batch = Batch()
                batch.items.append(self.get_argument("job"))
                self.write({"size": len(batch.items)})
    ''',
    "jobs/app.py": '''
        from tornado import ioloop, web

        from jobs.handlers import PreviewHandler, SubmitHandler


        def make_app():
            return web.Application([(r"/jobs/(\\w+)", SubmitHandler),
                                    (r"/preview", PreviewHandler)])


        if __name__ == "__main__":
            make_app().listen(8888)
            ioloop.IOLoop.current().start()
    ''',
}


def test_a_singleton_a_library_classmethod_builds_is_one_process_object():
    # ``JobQueue.instance()`` (traitlets) builds the class's one instance: what its traits
    # hold lives for the process, while a Batch built directly per request does not
    model = model_of(SINGLETON_CONFIGURABLE)
    (queue,) = model.values_of("jobs.queue:JobQueue.push", "self")
    assert (queue.kind, queue.class_name, queue.line, queue.lifetime) == (
        "instance", "jobs.queue:JobQueue", 6, "process")
    (batch,) = model.values_of("jobs.handlers:PreviewHandler.post", "batch")
    assert batch.lifetime == "request"
    # each declared container trait is the object's own container
    states = {(state.object.class_name, state.object.id): [
        (use.span.line, use.detail) for use in state.mutations] for state in model.states}
    assert states == {
        ("list", "jobs.queue:JobQueue.instance@0:0 jobs.queue:JobQueue().pending"): [
            (12, "append")],
        ("dict", "jobs.queue:JobQueue.instance@0:0 jobs.queue:JobQueue().by_owner"): [
            (13, "append"), (13, "setdefault")]}
