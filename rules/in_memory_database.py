"""SL302 in-memory-database: a SQLite database kept in the memory of each process."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.model import Finding, Location, Span
from statelint.process_services import MemoryDatabase, memory_databases
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import Site, name_list, reach_names, site_finding


class InMemoryDatabase(Rule):
    """A SQLite database opened in memory once per process and used by request handlers."""

    code = "SL302"
    prescan_tokens = (":memory:", "sqlite://", "sqlite+")
    name = "in-memory-database"
    severity = "error"
    how = "writes"
    summary = "SQLite database kept in the memory of each process"
    what_it_finds = """
A database opened once per process (at import time or in start-up code) in
memory: `sqlite3.connect(":memory:")`, `aiosqlite.connect(":memory:")`,
SQLAlchemy or SQLModel `create_engine("sqlite://")` and
`create_engine("sqlite:///:memory:")` (async drivers too), `databases.Database`,
peewee `SqliteDatabase(":memory:")`, when request handlers use it: they read
the connection or engine, or a name made from it in the same module (a
`sessionmaker(bind=engine)`). The URL is followed through names and
environment reads: `create_engine(os.environ.get("DATABASE_URL", "sqlite://"))`
is reported as happening *by default*, naming the variable to set. The
openers and URLs are in `rules/process_services.toml`.

Not reported: a SQLite database in a file (`sqlite:///app.db`; a file on one
machine is the concern of SL501 when requests write it), a database opened per
request, and databases no handler uses.
"""
    why_stateful = """
An in-memory SQLite database lives and dies with the process that opened it.
Every worker and replica has its own, empty one: a row written by a request
served by one worker is missing for the next request served by another, and
everything is lost on restart or deploy.
"""
    how_to_fix = """
Keep the data in a database server every process connects to (PostgreSQL,
MySQL), with the URL read from the environment and no in-memory default:
`create_engine(os.environ["DATABASE_URL"])`. Keep in-memory SQLite for tests.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(("app.py", 5, "`engine` is an SQLite database in the memory of this "
                                    "process (`sqlite://`)"),),
            title="a FastAPI service on an in-memory SQLAlchemy engine",
            handlers=("add_note", "list_notes"),
            files={
                "app.py": '''
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


@app.post("/notes")
def add_note(body: str):
    with SessionLocal() as session:
        session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
        session.commit()
    return {"ok": True}


@app.get("/notes")
def list_notes():
    with SessionLocal() as session:
        return [row.body for row in session.execute(text("SELECT body FROM notes"))]
''',
            },
        ),
        Example(
            kind="self-contained",
            title="the engine on a database server named by the environment",
            files={
                "app.py": '''
import os

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


@app.get("/notes")
def list_notes():
    with SessionLocal() as session:
        return [row.body for row in session.execute(text("SELECT body FROM notes"))]
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per in-memory database that handlers use."""
        for database in memory_databases(project):
            yield self._finding(project, database)

    def _finding(self, project: Project, database: MemoryDatabase) -> Finding:
        opened = database.opened
        name = opened.binding.rsplit(".", 1)[-1]
        users = reach_names(database.readers)
        message = (f"`{name}` is an SQLite database in the memory of this process "
                   f"(`{database.url}`)")
        if database.env:
            message += f" when `{database.env}` is not set, so by default"
        else:
            message += ", so"
        message += (f" every worker and replica has its own, empty copy: what "
                    f"{name_list(users)} write{'s' if len(users) == 1 else ''} or read "
                    "depends on the process serving the request, and is lost on restart")
        variable = database.env or "DATABASE_URL"
        suggestion = (f"Connect to a database server every process shares (PostgreSQL, MySQL), "
                      f"with the URL read from the environment and no in-memory default "
                      f"(`os.environ[\"{variable}\"]`); keep in-memory SQLite for tests.")
        primary = Location(opened.path, opened.span.line, opened.span.column, "",
                           opened.span.end_line, opened.span.end_column)
        sites = [Site(opened.path, opened.span, opened.function_id, None,
                      f"{name} opened in memory ({database.url})")]
        readers = [Site(reach.handler.path, Span(reach.handler.line, reach.handler.column,
                                                 reach.handler.line, reach.handler.column),
                        "", reach, "") for reach in database.readers]
        return site_finding(project, type(self), opened.binding, sites, message=message,
                            suggestion=suggestion, final_message=f"in-memory database: {name}",
                            primary=primary, readers=readers)
