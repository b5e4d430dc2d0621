"""However `tinkerer deploy` ends (SIGTERM, SIGHUP, kill -9), the service it started ends too."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .test_service import alive

TINKERER = Path(sys.executable).with_name("tinkerer")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
def test_the_service_ends_with_tinkerer_deploy(solution_dir: Path, tmp_path: Path, sig: signal.Signals) -> None:
    log = tmp_path / "deploy.log"
    with open(log, "wb") as out:
        deploy = subprocess.Popen(
            [str(TINKERER), "deploy", str(solution_dir)], stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while not (served := re.search(r"serving (http://127\.0\.0\.1:\d+)", log.read_text())):
            assert deploy.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        with urllib.request.urlopen(served[1] + "/health", timeout=30) as response:
            service_pid = json.loads(response.read())["pid"]
        assert alive(service_pid)
        deploy.send_signal(sig)
        code = deploy.wait(timeout=60)
        deadline = time.monotonic() + 30
        while alive(service_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(service_pid), log.read_text()
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL
        else:
            assert code == 0, log.read_text()
            assert f"stopped by {sig.name}: the deployment is stopped" in log.read_text()
    finally:
        if deploy.poll() is None:
            deploy.kill()
            deploy.wait()


def test_sigterm_while_the_service_starts_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import time\ntime.sleep(60)\n\ndef predict(inputs):\n    return 1\n")
    log = tmp_path / "deploy.log"
    with open(log, "wb") as out:
        deploy = subprocess.Popen(
            [str(TINKERER), "deploy", str(tmp_path)], stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while not (services := _services_of(deploy.pid)):
            assert deploy.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        deploy.send_signal(signal.SIGTERM)
        assert deploy.wait(timeout=60) == 0, log.read_text()
        assert not any(alive(pid) for pid in services)
    finally:
        if deploy.poll() is None:
            deploy.kill()
            deploy.wait()


def _services_of(parent: int) -> list[int]:
    """The pids of the service processes ``parent`` started (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"service.py" in command:
            found.append(int(entry))
    return found
