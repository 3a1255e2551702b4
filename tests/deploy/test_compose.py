"""docker-compose.yml validates against the Compose schema and runs the CLI the tests exercise.

No Docker engine runs here; Debian's docker-compose validates the file without one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from notifier.entrypoints.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose (Debian package) is needed to validate the compose file"
    env = {**os.environ, "NOTIFIER_SECRET_KEY": "compose-test"}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_compose_file_is_valid_and_has_every_service():
    services = _config()["services"]
    assert set(services) == {"postgres", "redis", "mailpit", "migrate", "web", "worker",
                             "scheduler"}
    for name in ("postgres", "redis", "mailpit", "web"):
        assert "healthcheck" in services[name], name
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully")


def test_every_app_container_runs_a_real_notifier_command():
    services = _config()["services"]
    for name in ("migrate", "web", "worker", "scheduler"):
        command = services[name]["command"]
        assert command[0] == "notifier", name
        group = main
        for word in command[1:]:
            if word.startswith("-"):
                break
            assert word in group.commands, f"{name}: notifier has no command {word!r}"
            group = group.commands[word]
            if not hasattr(group, "commands"):
                break
        options = {o for p in group.params for o in p.opts}
        assert {w for w in command if w.startswith("--")} <= options, name
