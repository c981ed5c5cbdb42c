"""Kubernetes manifests and systemd units: probes, ports, sharding, commands and hardening."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.adapters.discord.config import DiscordConfig
from bot.adapters.slack.config import DEFAULT_PORT, load_config
from tests.deploy.deploy_files import DEPLOY, env_example_active, k8s_objects, unit_entries

UNITS = {"slack": "coachbot-slack.service", "discord": "coachbot-discord.service"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
}


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return container  # type: ignore[no-any-return]


def _port(container: dict[str, Any], ref: int | str) -> int:
    """A probe's or Service's port: a number, or the name of one of the container's ports."""
    if isinstance(ref, int):
        return ref
    (port,) = [p["containerPort"] for p in container["ports"] if p.get("name") == ref]
    return int(port)


def _env_with_placeholders(container: dict[str, Any], config_map: dict[str, Any]) -> dict[str, str]:
    """The container's environment, with plausible values for what comes from the Secret."""
    placeholders = {
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_BOT_TOKEN": "xoxb-1-2",
        "DISCORD_TOKEN": "token",
        "COACHBOT_DATABASE_URL": "postgresql+psycopg://coachbot:pw@postgres/coachbot",
    }
    env = dict(config_map["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in item.get("valueFrom", {}):
            env[item["name"]] = placeholders[item["name"]]
    return env


def test_slack_deployment_probes_hit_healthz_on_the_app_port() -> None:
    objects = k8s_objects("slack.yaml")
    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    container = _container(deployment)
    assert container["args"] == ["run", "slack"]
    config = load_config(_env_with_placeholders(container, objects["ConfigMap"]))
    assert config.port == DEFAULT_PORT
    assert config.database_url and make_url(config.database_url).drivername.startswith("postgresql")
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == "/healthz", probe
        assert _port(container, get["port"]) == config.port, probe


def test_slack_service_reaches_the_app_port_of_the_deployment_pods() -> None:
    objects = k8s_objects("slack.yaml")
    deployment, service = objects["Deployment"], objects["Service"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    container = _container(deployment)
    (port,) = service["spec"]["ports"]
    assert _port(container, port["targetPort"]) == int(objects["ConfigMap"]["data"]["PORT"])


def test_discord_statefulset_runs_each_shard_exactly_once() -> None:
    objects = k8s_objects("discord.yaml")
    statefulset = objects["StatefulSet"]
    replicas = statefulset["spec"]["replicas"]
    container = _container(statefulset)
    assert container["args"] == ["run", "discord"]
    (shard_ids,) = [e for e in container["env"] if e["name"] == "DISCORD_SHARD_IDS"]
    assert shard_ids["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.labels['apps.kubernetes.io/pod-index']"
    )
    covered: list[int] = []
    for index in range(replicas):  # what each pod's config resolves to
        env = _env_with_placeholders(container, objects["ConfigMap"])
        env["DISCORD_SHARD_IDS"] = str(index)
        config = DiscordConfig.from_env(env)
        assert config.shard_count == replicas
        covered += list(config.shard_ids or ())
    assert sorted(covered) == list(range(replicas))
    probe = container["livenessProbe"]["httpGet"]
    assert _port(container, probe["port"]) == config.metrics_port
    assert statefulset["spec"]["serviceName"] == objects["Service"]["metadata"]["name"]


@pytest.mark.parametrize("kind", sorted(UNITS))
def test_systemd_unit_runs_the_bot_with_restart_and_hardening(kind: str) -> None:
    entries = unit_entries(UNITS[kind])
    service = {key: value for section, key, value in entries if section == "Service"}
    command = service["ExecStart"].split()
    assert Path(command[0]).is_absolute() and Path(command[0]).name == "coachbot"
    assert command[1:] == ["run", kind]
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["Restart"] == "on-failure"
    for key, value in HARDENING.items():
        assert service.get(key) == value, key
    assert service.get("DynamicUser") == "yes" or service.get("User") not in {None, "root"}
    # The default SQLite database lives in the unit's state directory, the only writable place.
    state = service["StateDirectory"]
    (url,) = [
        value.split("=", 1)[1]
        for section, key, value in entries
        if key == "Environment" and value.startswith("COACHBOT_DATABASE_URL=")
    ]
    database = make_url(url).database or ""
    assert Path(database).parent == Path("/var/lib") / state
    assert ("Install", "WantedBy", "multi-user.target") in entries


def test_env_example_is_a_valid_configuration_for_both_bots() -> None:
    env = env_example_active()
    assert load_config(env).port == DEFAULT_PORT
    assert DiscordConfig.from_env(env).metrics_port is not None


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    coachbot = Path(sys.prefix) / "bin" / "coachbot"
    if not coachbot.exists():
        pytest.skip(f"no coachbot script at {coachbot} to stand in for /opt/coachbot/bin/coachbot")
    paths = []
    for name in UNITS.values():
        text = (DEPLOY / "systemd" / name).read_text(encoding="utf-8")
        # verify insists that ExecStart exists: point it at this environment's console script.
        text = text.replace("/opt/coachbot/bin/coachbot", str(coachbot))
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run(
        [analyze, "verify", *paths], capture_output=True, text=True, timeout=30, check=False
    )
    # verify exits 0 on unknown keys and bad values, and only says so on stderr.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize("name", ["slack.yaml", "discord.yaml"])
def test_k8s_pods_run_as_the_images_non_root_user(name: str) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    uid = re.search(r"useradd [^\n]*--uid (\d+)", dockerfile)
    assert uid, "the Dockerfile should create its user with a fixed uid"
    objects = k8s_objects(name)
    workload = objects.get("Deployment") or objects["StatefulSet"]
    pod = workload["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(uid.group(1))
    container = _container(workload)
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    # A read-only root needs a writable /tmp (MPLCONFIGDIR in the image points there).
    if container["securityContext"].get("readOnlyRootFilesystem"):
        assert "/tmp" in {mount["mountPath"] for mount in container["volumeMounts"]}
