"""Every environment variable the deploy files set is one the code actually reads."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy.deploy_files import (
    DEPLOY,
    ROOT,
    code_env_names,
    env_example,
    env_names_read_by,
    k8s_objects,
    load_yaml_docs,
    unit_entries,
)

# Read by the Python runtime or a library, not by our code; each is there for a stated reason.
THIRD_PARTY = {
    "PATH": "the image's venv on the PATH",
    "PYTHONUNBUFFERED": "log lines reach `docker logs` at once",
    "MPLCONFIGDIR": "matplotlib (digest charts) needs a writable cache dir",
}


def _unknown(names: set[str], allowed: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Names neither read by the code nor allowed."""
    return sorted(names - code_env_names() - allowed)


def test_the_extractor_finds_the_variables_of_the_three_config_modules() -> None:
    slack = env_names_read_by(ROOT / "bot/adapters/slack/config.py")
    discord = env_names_read_by(ROOT / "bot/adapters/discord/config.py")
    store = env_names_read_by(ROOT / "bot/store/migrate.py")
    assert {"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "PORT"} <= slack
    assert {"DISCORD_TOKEN", "DISCORD_SHARD_IDS", "DISCORD_SHARD_COUNT"} <= discord
    assert store == {"COACHBOT_DATABASE_URL"}
    assert slack | discord | store <= code_env_names()


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_yaml_file_parses(path) -> None:  # type: ignore[no-untyped-def]
    try:
        docs = load_yaml_docs(path)
    except yaml.YAMLError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{path.relative_to(ROOT)}: {exc}")
    assert docs, f"{path.relative_to(ROOT)} is empty"


def test_env_example_names_are_read_by_the_code() -> None:
    names = set(env_example())
    compose_text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    # Variables for compose.yaml's own interpolation (the postgres password) are allowed only
    # when compose.yaml really uses them.
    compose_only = {n for n in names if n.startswith("POSTGRES_")}
    for name in compose_only:
        assert "${" + name in compose_text, f"{name} is in the env example but compose ignores it"
    assert _unknown(names - compose_only) == []


def test_compose_bot_services_set_only_variables_the_code_reads() -> None:
    (compose,) = load_yaml_docs(DEPLOY / "compose.yaml")
    for service in ("slack", "discord"):
        environment = compose["services"][service].get("environment", {})
        names = set(environment) if isinstance(environment, dict) else {
            item.split("=", 1)[0] for item in environment
        }
        assert names, service
        assert _unknown(names) == [], service


def test_dockerfile_env_is_read_by_the_code_or_a_named_library() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    runtime_stage = text.rsplit("\nFROM ", 1)[1]  # the build stage's ENV never reaches runtime
    names = {
        name
        for line in runtime_stage.splitlines()
        if line.startswith("ENV ")
        for name in re.findall(r"([A-Z][A-Z0-9_]*)=", line)
    }
    assert "COACHBOT_DATABASE_URL" in names
    assert _unknown(names, set(THIRD_PARTY)) == []


@pytest.mark.parametrize("name", ["slack.yaml", "discord.yaml"])
def test_k8s_env_config_maps_and_secret_keys_are_read_by_the_code(name: str) -> None:
    objects = k8s_objects(name)
    workload = objects.get("Deployment") or objects["StatefulSet"]
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    names = {item["name"] for item in container.get("env", [])}
    for item in container.get("env", []):
        secret = item.get("valueFrom", {}).get("secretKeyRef")
        if secret:
            # The Secret key is the variable name, so `kubectl create secret --from-env-file`
            # with the env example works too.
            assert secret["key"] == item["name"]
    config_map = objects["ConfigMap"]
    refs = [src["configMapRef"]["name"] for src in container.get("envFrom", [])]
    assert refs == [config_map["metadata"]["name"]]
    names |= set(config_map["data"])
    assert _unknown(names) == []


@pytest.mark.parametrize("unit", ["coachbot-slack.service", "coachbot-discord.service"])
def test_systemd_environment_is_read_by_the_code_or_a_named_library(unit: str) -> None:
    names = {
        value.split("=", 1)[0]
        for section, key, value in unit_entries(unit)
        if key == "Environment"
    }
    assert "COACHBOT_DATABASE_URL" in names
    assert _unknown(names, set(THIRD_PARTY)) == []
