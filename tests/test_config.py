"""Finding, loading, validating and rendering configuration, with real files on disk."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from statelint.config import (
    DEFAULT_EXCLUDE,
    AllowEntry,
    Config,
    ConfigError,
    find_config,
    load_config,
    path_matches,
    render_config,
)

KNOWN = {"SL101", "SL102", "SL201", "SL202", "SL301"}
NAMES = {"mutable-module-state": "SL101", "process-local-cache": "SL201"}

FLASK_PYPROJECT = """\
[project]
name = "shop"
version = "1.4.0"
dependencies = ["flask>=3.0", "redis>=5"]

[tool.ruff]
line-length = 100

[tool.statelint]
select = ["SL1", "SL201"]
ignore = ["SL102"]
extend-exclude = ["scripts", "src/shop/legacy/*"]
handler-decorators = ["shop.web.route", "api.get"]
handler-base-classes = ["shop.views.BaseView"]
fail-on = "error"
cache-dir = ".cache/statelint"
jobs = 4

[tool.statelint.per-file-ignores]
"tests/*" = ["SL1"]
"src/shop/cli.py" = ["process-local-cache"]

[tool.statelint.severity]
SL201 = "warning"

[[tool.statelint.allow]]
symbol = "shop.settings.*"
reason = "read-only settings loaded once at import"

[[tool.statelint.allow]]
symbol = "shop.services.pricing.TAX_TABLE"
reason = "constant table, rebuilt on deploy"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path | None, **overrides: object) -> Config:
    return load_config(path, known_codes=KNOWN, overrides=overrides, rule_names=NAMES)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Messages show paths relative to the working directory.
    monkeypatch.chdir(tmp_path)


# -- defaults ----------------------------------------------------------------


def test_defaults_without_a_file_enable_every_rule_everywhere() -> None:
    config = load(None)
    assert config.select == () and config.ignore == ()
    assert config.fail_on == "warning"
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.respect_gitignore is True
    assert config.cache_dir == ".statelint_cache"
    assert config.jobs == 0
    assert config.rule_enabled("SL101", "src/shop/services/cart.py")
    assert set(config.sources.values()) == {"default"}
    assert config.config_file is None


def test_default_fail_on_fails_on_warnings_and_errors_but_not_info() -> None:
    config = load(None)
    assert config.fails_on("error") and config.fails_on("warning")
    assert not config.fails_on("info")
    assert not load(None, fail_on="never").fails_on("error")
    assert load(None, fail_on="info").fails_on("info")


# -- reading pyproject.toml -------------------------------------------------------


def test_flask_pyproject_is_read_with_kebab_case_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", FLASK_PYPROJECT)
    config = load(path)
    assert config.select == ("SL1", "SL201")
    assert config.ignore == ("SL102",)
    assert config.extend_exclude == ("scripts", "src/shop/legacy/*")
    assert config.handler_decorators == ("shop.web.route", "api.get")
    assert config.handler_base_classes == ("shop.views.BaseView",)
    assert config.fail_on == "error"
    assert config.cache_dir == ".cache/statelint"
    assert config.jobs == 4
    assert config.per_file_ignores == {"tests/*": ("SL1",), "src/shop/cli.py": ("SL201",)}
    assert config.severity == {"SL201": "warning"}
    assert config.allow == (
        AllowEntry("shop.settings.*", "read-only settings loaded once at import"),
        AllowEntry("shop.services.pricing.TAX_TABLE", "constant table, rebuilt on deploy"),
    )
    assert config.sources["select"] == "pyproject.toml:[tool.statelint]"
    assert config.sources["exclude"] == "default"
    assert config.config_file == str(path)


def test_snake_case_keys_are_accepted_too(tmp_path: Path) -> None:
    path = write(tmp_path / "statelint.toml", 'fail_on = "info"\nrespect_gitignore = false\n')
    config = load(path)
    assert config.fail_on == "info" and config.respect_gitignore is False
    assert config.sources["fail_on"] == "statelint.toml"


def test_statelint_toml_keys_live_at_the_top_level(tmp_path: Path) -> None:
    path = write(tmp_path / ".statelint.toml", 'select = ["SL2"]\n[severity]\nSL202 = "info"\n')
    config = load(path)
    assert config.select == ("SL2",)
    assert config.severity_for("SL202", "error") == "info"


def test_rule_names_and_lower_case_codes_become_codes(tmp_path: Path) -> None:
    path = write(tmp_path / "statelint.toml", 'select = ["mutable-module-state", "sl2"]\n')
    assert load(path).select == ("SL101", "SL2")


def test_pyproject_without_statelint_table_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "shop"\n')
    config = load(path)
    assert config.select == () and config.sources["select"] == "default"


def test_allow_accepts_a_table_of_symbol_to_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path / "statelint.toml",
        '[allow]\n"shop.services.cart.CARTS" = "single-process kiosk build, never scaled out"\n',
    )
    config = load(path)
    entry = config.is_allowed("shop.services.cart.CARTS")
    assert entry == AllowEntry(
        "shop.services.cart.CARTS", "single-process kiosk build, never scaled out"
    )


# -- validation errors ---------------------------------------------------------


def error_of(tmp_path: Path, text: str, name: str = "pyproject.toml") -> str:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_unknown_key_names_file_table_key_and_closest_key(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint]\nselct = ["SL101"]\n')
    assert (
        message == 'pyproject.toml: [tool.statelint] unknown key "selct" (did you mean "select"?)'
    )


def test_unknown_kebab_key_suggests_kebab_spelling(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[tool.statelint]\nper-file-ignore = {}\n")
    assert 'unknown key "per-file-ignore" (did you mean "per-file-ignores"?)' in message


def test_unknown_key_in_statelint_toml_has_no_table(tmp_path: Path) -> None:
    message = error_of(tmp_path, 'fail-of = "error"\n', name="statelint.toml")
    assert message == 'statelint.toml: unknown key "fail-of" (did you mean "fail-on"?)'


@pytest.mark.parametrize("name", ["statelint.toml", ".statelint.toml"])
def test_pyproject_table_in_statelint_toml_says_where_the_keys_go(tmp_path: Path,
                                                                  name: str) -> None:
    # Copied over from pyproject.toml as it was.
    text = '[tool.statelint]\nextend-exclude = ["migrations"]\nfail-on = "error"\n'
    message = error_of(tmp_path, text, name=name)
    assert message == (
        f'{name}: unknown key "tool" (in {name} the settings go at the top level, without the '
        "[tool.statelint] table: that table is for pyproject.toml)")
    # Written the way the message says, the same settings load.
    write(tmp_path / name, 'extend-exclude = ["migrations"]\nfail-on = "error"\n')
    config = load(tmp_path / name)
    assert config.fail_on == "error" and config.extend_exclude == ("migrations",)


def test_wrong_type_names_key_and_expected_type(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[tool.statelint]\nselect = 101\n")
    assert message == (
        'pyproject.toml: [tool.statelint] "select" must be a list of rule codes, got an integer'
    )
    message = error_of(tmp_path, '[tool.statelint]\nrespect-gitignore = "yes"\n')
    assert '"respect-gitignore" must be true or false, got a string' in message
    message = error_of(tmp_path, "[tool.statelint]\njobs = -2\n")
    assert '"jobs" must be a non-negative integer' in message and "got -2" in message
    message = error_of(tmp_path, '[tool.statelint]\nhandler-decorators = ["shop.web.route()"]\n')
    assert '"handler-decorators" must hold dotted names' in message


def test_item_of_wrong_type_in_a_list(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint]\nextend-exclude = ["scripts", 3]\n')
    assert '"extend-exclude" must be a list of path patterns, but item 2 is an integer' in message


def test_unknown_rule_code_names_it_and_closest_code(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint]\nignore = ["SL1O1"]\n')
    assert message == (
        'pyproject.toml: [tool.statelint] "ignore" names unknown rule "SL1O1" (did you mean "SL101"?)'
    )


def test_unknown_rule_in_per_file_ignores_and_severity(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint.per-file-ignores]\n"tests/*" = ["SL109"]\n')
    assert '[tool.statelint.per-file-ignores] "tests/*" names unknown rule "SL109"' in message
    message = error_of(tmp_path, '[tool.statelint.severity]\nSL302 = "info"\n')
    assert (
        '[tool.statelint.severity] "SL302" names unknown rule "SL302" (did you mean "SL301"?)'
        in message
    )


def test_bad_severity_and_fail_on_values(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint.severity]\nSL101 = "critical"\n')
    assert 'must be one of "error", "warning", "info", got "critical"' in message
    message = error_of(tmp_path, '[tool.statelint]\nfail-on = "warn"\n')
    assert 'got "warn" (did you mean "warning"?)' in message


def test_allow_without_reason_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[[tool.statelint.allow]]\nsymbol = "shop.services.cart.CARTS"\n')
    assert message == (
        'pyproject.toml: [tool.statelint] "allow" entry 1 allows "shop.services.cart.CARTS" '
        'without a "reason": say why this state is acceptable'
    )
    message = error_of(tmp_path, '[[tool.statelint.allow]]\nsymbol = "shop.x"\nreson = "typo"\n')
    assert 'unknown key "reson" (did you mean "reason"?)' in message


def test_malformed_toml_names_file_line_and_column(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint]\nselect = ["SL101"\nignore = []\n')
    assert message.startswith("pyproject.toml: invalid TOML: ")
    assert "line 3" in message and "column" in message


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="statelint.toml: configuration file not found"):
        load(tmp_path / "statelint.toml")


def test_key_given_in_both_spellings_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.statelint]\nfail-on = "error"\nfail_on = "info"\n')
    assert '"fail_on" is given twice' in message


def test_no_rules_installed_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "statelint.toml", 'select = ["SL101"]\n')
    with pytest.raises(ConfigError, match=r"no rules are installed"):
        load_config(path, known_codes=set(), overrides={})


# -- overrides ------------------------------------------------------------------


def test_cli_overrides_win_and_record_the_flag(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", FLASK_PYPROJECT)
    config = load(
        path, select=("SL301",), fail_on="never", jobs=None, extend_exclude=["migrations"]
    )
    assert config.select == ("SL301",)
    assert config.sources["select"] == "--select"
    assert config.ignore == ("SL102",) and config.sources["ignore"] != "--ignore"
    assert config.fail_on == "never" and config.sources["fail_on"] == "--fail-on"
    # None means "option not given": the file's value stays.
    assert config.jobs == 4 and config.sources["jobs"] == "pyproject.toml:[tool.statelint]"
    # --extend-exclude adds to the file's list instead of replacing it.
    assert config.extend_exclude == ("scripts", "src/shop/legacy/*", "migrations")
    assert config.sources["extend_exclude"] == "pyproject.toml:[tool.statelint] + --extend-exclude"


def test_cli_override_forms_comma_strings_and_glob_colon_codes() -> None:
    config = load(None, select="SL1,SL2", per_file_ignores=["tests/*:SL101,SL102"])
    assert config.select == ("SL1", "SL2")
    assert config.per_file_ignores == {"tests/*": ("SL101", "SL102")}


def test_cli_override_errors_name_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        load(None, select=["SL999"])
    assert str(caught.value).startswith('--select names unknown rule "SL999"')
    with pytest.raises(ConfigError, match='unknown option "selcet"'):
        load(None, selcet=["SL101"])


# -- behaviour of the resolved config -----------------------------------------


def test_select_ignore_and_per_file_ignores(tmp_path: Path) -> None:
    config = load(write(tmp_path / "pyproject.toml", FLASK_PYPROJECT))
    assert config.rule_enabled("SL101", "src/shop/services/cart.py")
    assert not config.rule_enabled("SL102", "src/shop/services/cart.py")  # ignored
    assert not config.rule_enabled("SL202", "src/shop/services/cart.py")  # not selected
    assert not config.rule_enabled("SL101", "tests/test_cart.py")  # per-file
    assert not config.rule_enabled("SL101", "tests/integration/test_checkout.py")
    assert config.rule_enabled("SL201", "tests/test_cart.py")
    assert not config.rule_enabled("SL201", "src/shop/cli.py")
    assert config.rule_enabled("SL201", "src\\shop\\views.py")


def test_more_specific_select_beats_broader_ignore() -> None:
    config = load(None, select=["SL101"], ignore=["SL1"])
    assert config.rule_enabled("SL101", "app.py")
    assert not config.rule_enabled("SL102", "app.py")
    assert not load(None, select=["SL1"], ignore=["SL101"]).rule_enabled("SL101", "app.py")


def test_default_excludes_match_names_anywhere() -> None:
    config = load(None)
    assert config.is_excluded(".venv")
    assert config.is_excluded("services/api/.venv/lib/python3.11/site-packages/flask/app.py")
    assert config.is_excluded("shop.egg-info/PKG-INFO")
    assert config.is_excluded("src/shop/__pycache__/cart.cpython-311.pyc")
    assert config.is_excluded("./node_modules")
    assert not config.is_excluded("src/shop/services/cart.py")
    assert not config.is_excluded("src/shop/environment.py")


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    config = load(
        write(
            tmp_path / "statelint.toml",
            'exclude = ["vendor"]\nextend-exclude = ["src/shop/legacy"]\n',
        )
    )
    assert config.is_excluded("vendor/requests/api.py")
    assert config.is_excluded("src/shop/legacy/old_views.py")
    assert not config.is_excluded("build/lib/shop/app.py")  # defaults replaced
    assert not config.is_excluded("tests/src/shop/legacy.py")  # slash patterns are anchored


def test_path_matches_double_star_and_basenames() -> None:
    assert path_matches("src/shop/migrations/0001_initial.py", "**/migrations/*")
    assert path_matches("migrations/0001_initial.py", "**/migrations/*")
    assert path_matches("src/shop/__init__.py", "__init__.py")
    assert not path_matches("src/shop/app.py", "__init__.py")


def test_allow_globs_and_severity_overrides(tmp_path: Path) -> None:
    config = load(write(tmp_path / "pyproject.toml", FLASK_PYPROJECT))
    assert config.is_allowed("shop.settings.FEATURE_FLAGS") is not None
    assert config.is_allowed("shop.services.cart.CARTS") is None
    assert config.severity_for("SL201", "error") == "warning"
    assert config.severity_for("SL101", "error") == "error"
    specific = load(None, severity={"SL1": "info", "SL101": "warning"})
    assert specific.severity_for("SL101", "error") == "warning"
    assert specific.severity_for("SL102", "error") == "info"


def test_fingerprint_inputs_depend_only_on_handler_settings() -> None:
    first = load(None, handler_decorators=["shop.web.route", "api.get"], select=["SL1"])
    second = load(None, handler_decorators=["api.get", "shop.web.route"], jobs=8)
    third = load(None, handler_decorators=["api.post"])
    assert first.fingerprint_inputs() == second.fingerprint_inputs()
    assert first.fingerprint_inputs() != third.fingerprint_inputs()


# -- find_config ------------------------------------------------------------------


def test_find_config_walks_up_from_the_scanned_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", FLASK_PYPROJECT)
    write(tmp_path / "src/shop/services/cart.py", "CARTS = {}\n")
    assert find_config([str(tmp_path / "src/shop/services/cart.py")]) == tmp_path / "pyproject.toml"
    assert find_config([str(tmp_path / "src")]) == tmp_path / "pyproject.toml"


def test_find_config_skips_pyproject_without_statelint_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "statelint.toml", 'select = ["SL1"]\n')
    write(tmp_path / "services/shop/pyproject.toml", '[project]\nname = "shop"\n')
    assert find_config([str(tmp_path / "services/shop")]) == tmp_path / "statelint.toml"


def test_find_config_ignores_a_broken_pyproject_that_is_not_ours(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[project\nname = 'shop'\n")
    assert find_config([str(tmp_path)]) is None
    write(tmp_path / "pyproject.toml", "[tool.statelint\nselect = []\n")
    with pytest.raises(ConfigError, match="pyproject.toml: invalid TOML"):
        find_config([str(tmp_path)])


def test_find_config_prefers_dedicated_file_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", FLASK_PYPROJECT)
    write(tmp_path / ".statelint.toml", "jobs = 2\n")
    assert find_config([str(tmp_path)]) == tmp_path / ".statelint.toml"


def test_find_config_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "statelint.toml", 'select = ["SL1"]\n')  # outside the checkout
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    write(repo / "app.py", "")
    assert find_config([str(repo / "app.py")]) is None


def test_find_config_defaults_to_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "statelint.toml", "")
    os.chdir(tmp_path)
    assert find_config([]) == tmp_path / "statelint.toml"


# -- render_config ------------------------------------------------------------------


def test_render_config_shows_value_and_source_per_line(tmp_path: Path) -> None:
    config = load(write(tmp_path / "pyproject.toml", FLASK_PYPROJECT), fail_on="never")
    text = render_config(config)
    lines = text.splitlines()
    assert lines[0] == "# configuration file: pyproject.toml"
    assert 'select = ["SL1", "SL201"]  # from pyproject.toml:[tool.statelint]' in lines
    assert 'fail-on = "never"  # from --fail-on' in lines
    assert "respect-gitignore = true  # from default" in lines
    assert 'per-file-ignores = { "tests/*" = ["SL1"], "src/shop/cli.py" = ["SL201"] }' in text


def test_rendered_config_is_valid_toml_that_loads_back_the_same(tmp_path: Path) -> None:
    original = load(write(tmp_path / "pyproject.toml", FLASK_PYPROJECT))
    rendered = render_config(original)
    tomllib.loads(rendered)
    again = load(write(tmp_path / "again/statelint.toml", rendered))
    for name in (
        "select",
        "ignore",
        "per_file_ignores",
        "exclude",
        "extend_exclude",
        "allow",
        "severity",
        "handler_decorators",
        "fail_on",
        "jobs",
        "cache_dir",
    ):
        assert getattr(again, name) == getattr(original, name), name
