"""The image and compose file agree with pyproject.toml, the CLI and the Slack app's port."""

from __future__ import annotations

import json
import re
import tomllib
from fnmatch import fnmatch
from typing import Any

from sqlalchemy.engine import make_url

from bot.adapters.slack.config import DEFAULT_PORT
from tests.deploy.deploy_files import DEPLOY, ROOT, env_example, load_yaml_docs

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _runtime_stage() -> list[tuple[str, str]]:
    steps = _instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def _one(word: str) -> str:
    values = [rest for w, rest in _runtime_stage() if w == word]
    assert len(values) == 1, f"expected one {word} in the runtime stage, got {values}"
    return values[0]


def _compose() -> dict[str, Any]:
    (compose,) = load_yaml_docs(DEPLOY / "compose.yaml")
    return compose  # type: ignore[no-any-return]


def test_every_stage_is_python_311_slim() -> None:
    bases = [rest.split()[0] for word, rest in _instructions() if word == "FROM"]
    assert bases and all(base == "python:3.11-slim" for base in bases)


def test_entrypoint_is_the_console_script_and_cmd_a_real_subcommand() -> None:
    assert "coachbot" in PYPROJECT["project"]["scripts"]
    assert json.loads(_one("ENTRYPOINT")) == ["coachbot"]
    cmd = json.loads(_one("CMD"))
    assert cmd == ["run", "slack"]
    # `coachbot run slack|discord` are the typer commands of bot/cli/run.py (read, not imported:
    # importing bot.cli loads every subcommand).
    run_source = (ROOT / "bot/cli/run.py").read_text(encoding="utf-8")
    commands = set(re.findall(r'@run_app\.command\("(\w+)"\)', run_source))
    assert re.search(r'add_typer\(run_app, name="run"\)', run_source)
    assert {"slack", "discord"} <= commands


def test_installs_the_postgres_extra_from_the_copied_sources() -> None:
    assert "postgres" in PYPROJECT["project"]["optional-dependencies"]
    runs = [rest for word, rest in _instructions() if word == "RUN"]
    assert any('pip install ".[postgres]"' in run for run in runs)
    # pip builds from the copied sources: everything pyproject.toml packages must be copied
    # (the readme, setup.py with the C speed-ups, the packages, the data files such as the
    # shipped rule packs).
    copied = {
        src.rstrip("/")
        for word, rest in _instructions()
        if word == "COPY" and not rest.startswith("--from")
        for src in rest.split()[:-1]
    }
    needed = {"pyproject.toml", "setup.py", PYPROJECT["project"]["readme"],
              *PYPROJECT["project"].get("license-files", [])}
    for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        needed |= {p.name for p in ROOT.iterdir() if p.is_dir() and fnmatch(p.name, pattern)
                   and (p / "__init__.py").exists()}
    for globs in PYPROJECT["tool"]["setuptools"]["data-files"].values():
        needed |= {glob.split("/")[0] for glob in globs}
    assert needed <= copied, f"not copied into the image: {sorted(needed - copied)}"
    # ... and the build context filter lets them through.
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for path in needed:
        assert f"!{path}" in ignore or f"!{path}/" in ignore, path


def test_only_the_build_stage_has_a_c_compiler_for_the_speed_ups() -> None:
    steps = _instructions()
    build = steps[: len(steps) - len(_runtime_stage())]
    runs = [rest for word, rest in build if word == "RUN"]
    install = next(i for i, run in enumerate(runs) if "pip install" in run)
    assert any(re.search(r"apt-get install .*\bgcc\b", run) for run in runs[:install])
    assert not any("gcc" in rest for _, rest in _runtime_stage())


def test_runs_as_a_non_root_user_with_the_sqlite_volume() -> None:
    user = _one("USER")
    assert user not in {"root", "0"} and not user.startswith("0:")
    env = " ".join(rest for word, rest in _runtime_stage() if word == "ENV")
    match = re.search(r"COACHBOT_DATABASE_URL=(\S+)", env)
    assert match, "the image should set the default SQLite URL"
    url = make_url(match.group(1))
    assert url.get_backend_name() == "sqlite"
    volumes = json.loads(_one("VOLUME"))
    assert any(url.database and url.database.startswith(v.rstrip("/") + "/") for v in volumes)


def test_exposed_port_and_healthcheck_are_the_slack_apps() -> None:
    assert _one("EXPOSE") == str(DEFAULT_PORT)
    check = _one("HEALTHCHECK")
    assert "CMD" in check and "curl" not in check and "python" in check
    assert "/healthz" in check
    assert f"'PORT', '{DEFAULT_PORT}'" in check  # $PORT, else the app's default port
    app_source = (ROOT / "bot/adapters/slack/app.py").read_text(encoding="utf-8")
    assert 'add_get("/healthz"' in app_source


def test_compose_services_share_postgres() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"slack", "discord", "postgres"}
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    for name in ("slack", "discord"):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        assert service["command"][:2] == ["run", name]
        assert service["env_file"] == ".env"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        raw = service["environment"]["COACHBOT_DATABASE_URL"]
        url = make_url(re.sub(r"\$\{[^}]*\}", "secret", raw))
        assert url.drivername == "postgresql+psycopg"
        assert url.host == "postgres"
        assert url.username == postgres["environment"]["POSTGRES_USER"]
        assert url.database == postgres["environment"]["POSTGRES_DB"]
        # The same interpolated password on both sides.
        password = re.search(r"\$\{(\w+)", raw)
        assert password and password.group(1) in postgres["environment"]["POSTGRES_PASSWORD"]
        assert password.group(1) in env_example()


def test_compose_slack_port_and_discord_healthcheck() -> None:
    services = _compose()["services"]
    slack = services["slack"]
    port = int(slack["environment"].get("PORT", DEFAULT_PORT))
    assert port == DEFAULT_PORT
    assert [p.rsplit(":", 1)[1] for p in slack["ports"]] == [str(port)]
    discord = services["discord"]
    metrics_port = discord["environment"]["COACHBOT_METRICS_PORT"]
    check = " ".join(discord["healthcheck"]["test"])
    assert f"127.0.0.1:{metrics_port}/metrics" in check
