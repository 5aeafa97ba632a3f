"""Star imports that chain and cross are resolved once per module and name.

Extension packages often re-export each other with ``from .views import *``; a name that
none of them defines must not send the resolver down every path again (the work grew
with the number of paths, as three to the twelfth on a real application).
"""

from __future__ import annotations

from statelint.project import Project


def test_crossing_star_imports_are_looked_up_once_per_module_and_name(scan_files,
                                                                      monkeypatch) -> None:
    files = {"shop/__init__.py": "from .views import *\nfrom .api import *\nfrom .tasks import *\n"}
    for name in ("views", "api", "tasks"):
        files[f"shop/{name}.py"] = (
            "from . import *\nfrom .views import *\nfrom .api import *\nfrom .tasks import *\n"
            f"from flask import Blueprint\n\n{name}_bp = Blueprint('{name}', __name__)\n\n\n"
            f"@{name}_bp.get('/{name}')\ndef {name}_index():\n"
            f"    return {{'rows': missing_helper(), 'sub': shop.lnurl.id}}\n")
    files["shop/app.py"] = (
        "from flask import Flask\n\nfrom shop import *\n\napp = Flask(__name__)\n"
        "app.register_blueprint(views_bp)\napp.register_blueprint(api_bp)\n"
        "app.register_blueprint(tasks_bp)\n")
    calls: list[tuple[str, tuple[str, ...]]] = []
    original = Project._resolve_star_uncached

    def counting(self, module, stars, rest, depth):  # type: ignore[no-untyped-def]
        calls.append((module.module, tuple(rest)))
        return original(self, module, stars, rest, depth)

    monkeypatch.setattr(Project, "_resolve_star_uncached", counting)
    result = scan_files(files)
    assert {v.handler.name for v in result.verdicts} == {"views_index", "api_index", "tasks_index"}
    assert not result.errors
    # every (module, name) pair once, and no name grows by following itself
    assert len(calls) == len(set(calls))
    assert max(len(rest) for _, rest in calls) <= len(("views", "shop", "lnurl", "id"))
