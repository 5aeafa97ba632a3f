"""SL402 socketio-without-message-queue and SL302 in-memory-database: library objects made
once per process that keep clients or data in that process, and what stays quiet."""

from __future__ import annotations


def findings_of(result, code):
    return [finding for finding in result.findings if finding.rule == code]


def verdicts(result):
    return {verdict.handler.name: verdict.verdict for verdict in result.verdicts}


FLASK_CHAT = '''
    from flask import Flask, request
    from flask_socketio import SocketIO, emit, join_room

    app = Flask(__name__)
    socketio = SocketIO(app{options})


    @socketio.on("join")
    def on_join(data):
        join_room(data["room"])
        emit("joined", {{"room": data["room"]}})


    @socketio.on("say")
    def on_say(data):
        emit("said", {{"text": data["text"]}}, to=data["room"])


    @socketio.on("ping")
    def on_ping():
        emit("pong")


    @app.post("/announce")
    def announce():
        socketio.emit("announcement", {{"text": request.json["text"]}})
        return {{"ok": True}}
'''


def test_flask_socketio_without_message_queue_reports_the_handlers_that_reach_other_clients(scan_files):
    result = scan_files({"chat.py": FLASK_CHAT.format(options="")})
    [finding] = findings_of(result, "SL402")
    assert (finding.path, finding.line, finding.severity) == ("chat.py", 5, "error")
    assert finding.message == (
        "the Flask-SocketIO server `socketio` has no message queue, so it knows only the "
        "clients connected to this process: what on_say, announce send to other clients, "
        "rooms or everyone never reaches clients connected to another worker or replica")
    assert 'message_queue=os.environ["SOCKETIO_MESSAGE_QUEUE"]' in finding.suggestion
    # a reply to the sender alone (on_ping, on_join's emit) works whichever process serves it
    assert sorted(finding.handlers) == ["chat.py::announce", "chat.py::on_say"]
    related = {(item.line, item.message) for item in finding.related}
    assert (16, "on_say calls emit() for other clients") in related
    assert (26, "announce calls .emit()") in related


def test_flask_socketio_with_a_message_queue_is_shared(scan_files):
    result = scan_files({"chat.py": FLASK_CHAT.format(
        options=', message_queue="redis://redis:6379/0"')})
    assert set(verdicts(result)) == {"on_join", "on_say", "on_ping", "announce"}
    assert findings_of(result, "SL402") == []


def test_flask_socketio_given_its_queue_by_init_app_is_shared(scan_files):
    result = scan_files({
        "board/__init__.py": '''
            import os

            from flask import Flask
            from flask_socketio import SocketIO, emit

            socketio = SocketIO()


            @socketio.on("move")
            def on_move(data):
                emit("moved", data, broadcast=True)


            def create_app():
                app = Flask(__name__)
                socketio.init_app(app, message_queue=os.environ["REDIS_URL"])
                return app
        ''',
    })
    assert "on_move" in verdicts(result)
    assert findings_of(result, "SL402") == []


def test_python_socketio_server_with_a_redis_manager_is_shared(scan_files):
    result = scan_files({
        "live.py": '''
            import os

            import socketio

            sio = socketio.Server(client_manager=socketio.RedisManager(os.environ["REDIS_URL"]))
            app = socketio.WSGIApp(sio)


            @sio.on("score")
            def score(sid, data):
                sio.emit("score", data, room=data["match"])
        ''',
    })
    assert "score" in verdicts(result)
    assert findings_of(result, "SL402") == []


def test_python_socketio_server_made_at_start_up_that_puts_clients_into_rooms(scan_files):
    result = scan_files({
        "live.py": '''
            import socketio
            from aiohttp import web


            def make_app():
                sio = socketio.AsyncServer(async_mode="aiohttp")
                app = web.Application()
                sio.attach(app)

                @sio.event
                async def follow(sid, match_id):
                    await sio.enter_room(sid, match_id)

                return app
        ''',
    })
    [finding] = findings_of(result, "SL402")
    assert (finding.path, finding.line) == ("live.py", 6)
    assert finding.message.startswith(
        "the python-socketio server made here has no client manager")
    assert "socketio.AsyncRedisManager" in finding.suggestion


NOTES = '''
    import os
    import sqlite3

    from flask import Flask, request

    app = Flask(__name__)
    db = sqlite3.connect({database}, check_same_thread=False)
    db.execute("CREATE TABLE IF NOT EXISTS notes (body TEXT)")


    @app.post("/notes")
    def add_note():
        db.execute("INSERT INTO notes (body) VALUES (?)", (request.json["body"],))
        db.commit()
        return {{"ok": True}}


    @app.get("/notes")
    def list_notes():
        return {{"notes": [row[0] for row in db.execute("SELECT body FROM notes")]}}


    @app.get("/health")
    def health():
        return {{"ok": True}}
'''


def test_sqlite_memory_connection_used_by_flask_routes(scan_files):
    result = scan_files({"notes.py": NOTES.format(database='":memory:"')})
    [finding] = findings_of(result, "SL302")
    assert (finding.path, finding.line, finding.severity) == ("notes.py", 7, "error")
    assert finding.message == (
        "`db` is an SQLite database in the memory of this process (`:memory:`), so every worker "
        "and replica has its own, empty copy: what add_note, list_notes write or read "
        "depends on the process serving the request, and is lost on restart")
    assert sorted(finding.handlers) == ["notes.py::add_note", "notes.py::list_notes"]
    assert verdicts(result)["health"] == "self-contained"


def test_sqlite_file_database_is_not_in_memory(scan_files):
    result = scan_files({"notes.py": NOTES.format(database='"/var/lib/notes/notes.db"')})
    assert set(verdicts(result)) == {"add_note", "list_notes", "health"}
    assert findings_of(result, "SL302") == []


def test_in_memory_sqlalchemy_url_by_default_of_an_environment_variable(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/db.py": '''
            import os

            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            DATABASE_URL = os.environ.get("SHOP_DATABASE_URL", "sqlite+aiosqlite://")
            engine = create_async_engine(DATABASE_URL)
            Session = async_sessionmaker(engine)
        ''',
        "shop/api.py": '''
            from fastapi import FastAPI
            from sqlalchemy import text

            from shop.db import Session

            app = FastAPI()


            @app.get("/orders")
            async def orders():
                async with Session() as session:
                    rows = await session.execute(text("SELECT id FROM orders"))
                    return [row.id for row in rows]
        ''',
    })
    [finding] = findings_of(result, "SL302")
    assert (finding.path, finding.line) == ("shop/db.py", 6)
    assert finding.message.startswith(
        "`engine` is an SQLite database in the memory of this process (`sqlite+aiosqlite://`) "
        "when `SHOP_DATABASE_URL` is not set, so by default every worker and replica")
    assert 'os.environ["SHOP_DATABASE_URL"]' in finding.suggestion


def test_sqlite_memory_database_opened_per_request_is_request_scoped(scan_files):
    result = scan_files({
        "report.py": '''
            import sqlite3

            from flask import Flask, request

            app = Flask(__name__)


            @app.post("/report")
            def report():
                db = sqlite3.connect(":memory:")
                db.execute("CREATE TABLE rows (value REAL)")
                db.executemany("INSERT INTO rows VALUES (?)", [(v,) for v in request.json["values"]])
                total = db.execute("SELECT SUM(value) FROM rows").fetchone()[0]
                db.close()
                return {"total": total}
        ''',
    })
    assert set(verdicts(result)) == {"report"}
    assert findings_of(result, "SL302") == []


def test_the_function_that_runs_the_server_is_start_up_code():
    from statelint.semantic import points_to
    from tests.test_semantic_model import build

    project = build({
        "board.py": '''
            import os

            from flask import Flask

            app = Flask(__name__)
            BOARD = {"pins": []}


            @app.get("/pins")
            def pins():
                return BOARD


            def load_pins():
                BOARD["pins"] = os.listdir("pins")


            def serve(port=5000):
                load_pins()
                app.run(host="0.0.0.0", port=port)
        ''',
    })
    startup = points_to(project).startup
    # what runs before the server starts runs once per process, and so does what it calls
    assert {"board:serve", "board:load_pins"} <= startup
    assert "board:pins" not in startup
