"""The deployed service under load: concurrent clients beside slow (slowloris) connections, and health during a long call.

Three servers serve the same function on 127.0.0.1, each in its own process:

- before: the ``http.server`` service as it was (read from git at ``--before``; skipped without git history),
- after: ``tinkerer_plugin_deploy_local/service.py`` as it is now (uvicorn + starlette),
- reference: the same function in a plain uvicorn ASGI app (calls in a thread, uvicorn's defaults).

For each: one client alone, then 32 and 128 concurrent keep-alive clients while 20 slow clients hold
half-sent headers open (a slow client the server cuts off reconnects); requests/s, p50/p99 latency of
the requests that succeeded, and errors (timeouts, refused or failed connections, non-200 answers).
Then health: GET /health while a long call runs and the slow clients are open. Each phase is bounded in
time and in count; traffic goes to 127.0.0.1 only.

    python benchmarks/serving.py [--quick] [--before REV]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tinkerer_core.isolation import die_with_parent
from tinkerer_plugin_deploy_local import service

ROOT = Path(__file__).resolve().parents[1]
OLD_SERVICE = "plugins/tinkerer-plugin-deploy-local/src/tinkerer_plugin_deploy_local/service.py"
BEFORE_REV = "b76385a65816b429e01f5eb53d560b6fd4896b2e"  # the last commit with the http.server service
SLOW_CLIENTS = 20
HEALTH_TARGET_MS = 100.0

SOLUTION = """
import time

def predict(inputs):
    if "sleep" in inputs:
        time.sleep(inputs["sleep"])
    return {"y": inputs.get("x", 0) * 2}
"""

REFERENCE = """
import asyncio, json, sys
from pathlib import Path
import uvicorn

sys.path.insert(0, sys.argv[1])
from main import predict


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/health":
        payload = {"status": "ok"}
    else:
        payload = {"status": "success", "output": await asyncio.to_thread(predict, json.loads(body))}
    data = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": data})


config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
sock = config.bind_socket()
Path(sys.argv[2]).write_text(json.dumps({"port": sock.getsockname()[1]}))
uvicorn.Server(config).run(sockets=[sock])
"""


@dataclass(frozen=True)
class Settings:
    """How long and how much each phase runs."""

    duration_s: float
    max_requests: int
    timeout_s: float
    long_call_s: float
    health_probes: int


FULL = Settings(duration_s=5.0, max_requests=50_000, timeout_s=10.0, long_call_s=3.0, health_probes=10)
QUICK = Settings(duration_s=0.5, max_requests=2_000, timeout_s=1.0, long_call_s=1.0, health_probes=3)


@dataclass
class Tally:
    """What one phase measured."""

    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.elapsed_s if self.elapsed_s else 0.0

    def quantile_ms(self, q: float) -> float | None:
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Client:
    """One HTTP/1.1 keep-alive connection to 127.0.0.1:port that reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        """Send one request and return the response's status; raises OSError or TimeoutError on failure."""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Length: {len(body)}\r\n"
        data = (head + "Content-Type: application/json\r\n\r\n").encode() + body
        for attempt in range(2):  # a kept-alive connection the server closed meanwhile: reconnect once
            reused = self.writer is not None
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            try:
                self.writer.write(data)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("the server closed the connection")
                length, close = 0, status_line.startswith(b"HTTP/1.0")
                while (line := await self.reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        close = True
                await self.reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError):
                self.close()
                if reused and attempt == 0:
                    continue
                raise
            if close:
                self.close()
            parts = status_line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                self.close()
                raise ConnectionError(f"not an HTTP response: {status_line[:60]!r}")
            return int(parts[1])
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def slow_client(port: int, stop: asyncio.Event, cut_off: list[int]) -> None:
    """Hold a request whose headers never end, adding a header line every second; reopen when cut off."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        try:
            writer.write(b"POST /run HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(1024), timeout=1.0) == b"":
                        cut_off[0] += 1
                        break
                writer.write(b"X-Slow: 1\r\n")
        except OSError:
            cut_off[0] += 1
        finally:
            writer.close()


async def load(port: int, clients: int, slow: int, settings: Settings) -> tuple[Tally, int]:
    """``clients`` keep-alive clients calling /run until the phase ends, beside ``slow`` slow clients."""
    stop, cut_off = asyncio.Event(), [0]
    slow_tasks = [asyncio.create_task(slow_client(port, stop, cut_off)) for _ in range(slow)]
    await asyncio.sleep(0.2 if slow else 0)  # the slow clients are in before the load starts
    tally = Tally()
    deadline = time.monotonic() + settings.duration_s
    body = json.dumps({"x": 21}).encode()

    async def one_client() -> None:
        client = Client(port)
        while time.monotonic() < deadline and len(tally.latencies_s) + tally.errors < settings.max_requests:
            await timed_request(client, "POST", "/run", body, settings, tally)
        client.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    tally.elapsed_s = time.perf_counter() - started
    await _end(stop, slow_tasks)
    return tally, cut_off[0]


async def timed_request(client: Client, method: str, path: str, body: bytes, settings: Settings, tally: Tally) -> bool:
    """One request: its latency into ``tally`` when it answers 200, else an error; False when the connection
    failed (the client is closed and reconnects on its next request)."""
    started = time.perf_counter()
    try:
        status = await asyncio.wait_for(client.request(method, path, body), settings.timeout_s)
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        client.close()
        tally.errors += 1
        return False
    if status == 200:
        tally.latencies_s.append(time.perf_counter() - started)
    else:
        tally.errors += 1
    return True


async def health_during_long_call(port: int, settings: Settings) -> Tally:
    """GET /health latencies while one /run sleeps ``long_call_s`` and the slow clients are open."""
    stop, cut_off = asyncio.Event(), [0]
    slow_tasks = [asyncio.create_task(slow_client(port, stop, cut_off)) for _ in range(SLOW_CLIENTS)]
    long_call = asyncio.create_task(
        _bounded(Client(port).request("POST", "/run", json.dumps({"sleep": settings.long_call_s}).encode()), settings)
    )
    await asyncio.sleep(0.2)  # the long call runs
    tally = Tally()
    client = Client(port)
    for _ in range(settings.health_probes):
        if await timed_request(client, "GET", "/health", b"", settings, tally):
            await asyncio.sleep(settings.long_call_s / (2 * settings.health_probes))
    client.close()
    await _end(stop, slow_tasks)
    await long_call
    return tally


async def _end(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    """Stop the slow clients now (their connections close)."""
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _bounded(request: object, settings: Settings) -> None:
    with contextlib.suppress(OSError, TimeoutError, asyncio.IncompleteReadError):
        await asyncio.wait_for(request, settings.long_call_s + settings.timeout_s)  # type: ignore[arg-type]


@contextlib.contextmanager
def running(argv: list[str], ready: Path, log: Path) -> Iterator[int]:
    """Start a server (it dies with this process), wait for the port it writes to ``ready``, stop it after."""
    ready.unlink(missing_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent
        )
    try:
        deadline = time.monotonic() + 60
        while not ready.is_file():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[1]} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        time.sleep(0.2)  # listening
        yield json.loads(ready.read_text())["port"]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def servers(workdir: Path, before_rev: str) -> list[tuple[str, list[str] | None, str]]:
    """(name, argv or None when unavailable, why) for before, after and reference."""
    solution = workdir / "solution"
    solution.mkdir()
    (solution / "main.py").write_text(SOLUTION)
    ready = str(workdir / "ready.json")
    common = ["--dir", str(solution), "--entry", "main:predict", "--port", "0", "--ready-file", ready]
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{before_rev}:{OLD_SERVICE}"], capture_output=True)
    before: list[str] | None = None
    why = f"not in git history here ({shown.stderr.decode().strip()[:80]})"
    if shown.returncode == 0:
        (workdir / "old_service.py").write_bytes(shown.stdout)
        before, why = [sys.executable, str(workdir / "old_service.py"), *common], f"http.server at {before_rev[:8]}"
    (workdir / "reference.py").write_text(REFERENCE)
    return [
        ("before", before, why),
        ("after", [sys.executable, service.__file__, *common, "--owner-pid", str(os.getpid())], "uvicorn + starlette"),
        ("reference", [sys.executable, str(workdir / "reference.py"), str(solution), ready], "plain uvicorn ASGI app"),
    ]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, a few seconds")
    parser.add_argument("--before", default=BEFORE_REV, help="the git revision of the old service")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    phases = ((1, 0), (32, SLOW_CLIENTS), (128, SLOW_CLIENTS))
    print(
        f"phases of {settings.duration_s:g} s (at most {settings.max_requests} requests), "
        f"request timeout {settings.timeout_s:g} s, {os.cpu_count()} cores shared by clients and server"
    )
    print(
        f"{'server':<10} {'clients':>7} {'slow':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'cut':>4}"
    )
    summary: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="tinkerer-serving-") as scratch:
        workdir = Path(scratch)
        for name, argv, why in servers(workdir, args.before):
            if argv is None:
                print(f"{name:<10} skipped: {why}")
                continue
            rates, errors = {}, 0
            with contextlib.ExitStack() as stack:
                port = stack.enter_context(running(argv, workdir / "ready.json", workdir / f"{name}.log"))
                for clients, slow in phases:
                    if name == "before":  # a fresh one per phase: its backlog still holds the last phase's clients
                        stack.close()
                        port = stack.enter_context(running(argv, workdir / "ready.json", workdir / f"{name}.log"))
                    tally, cut = asyncio.run(load(port, clients, slow, settings))
                    rates[clients] = tally.rate
                    errors += tally.errors
                    print(
                        f"{name:<10} {clients:>7} {slow:>4} {tally.rate:>8.0f} {ms(tally.quantile_ms(0.5)):>8} "
                        f"{ms(tally.quantile_ms(0.99)):>8} {tally.errors:>6} {cut:>4}"
                    )
                if name == "before":
                    stack.close()
                    port = stack.enter_context(running(argv, workdir / "ready.json", workdir / f"{name}.log"))
                health = asyncio.run(health_during_long_call(port, settings))
            summary[name] = {"why": why, "rates": rates, "errors": errors, "health": health}
    print(f"\nGET /health during a {settings.long_call_s:g} s call with {SLOW_CLIENTS} slow clients open:")
    for name, figures in summary.items():
        health = figures["health"]
        assert isinstance(health, Tally)
        worst = ms(1000 * max(health.latencies_s)) if health.latencies_s else "-"
        print(
            f"  {name:<10} ({figures['why']}): p50 {ms(health.quantile_ms(0.5))} ms, max {worst} ms, "
            f"{health.errors} of {settings.health_probes} failed or timed out"
        )
    after = summary.get("after")
    if after:
        health, rates = after["health"], after["rates"]
        assert isinstance(health, Tally) and isinstance(rates, dict)
        worst_ms = 1000 * max(health.latencies_s) if health.latencies_s else float("inf")
        targets = (
            ("errors under load and health", "0", after["errors"] == 0 and health.errors == 0),
            ("health with slow clients open", f"< {HEALTH_TARGET_MS:.0f} ms", worst_ms < HEALTH_TARGET_MS),
            ("req/s at 32 clients vs 1 client", ">= 1x", rates[32] >= rates[1]),
        )
        print("\ntargets for after:")
        for what, target, met in targets:
            print(f"  {what:<34} target {target:<9} {'met' if met else 'NOT MET'}")
        print(
            f"  (after: {after['errors']} errors, health max {ms(worst_ms)} ms, "
            f"{rates[32]:.0f} req/s at 32 vs {rates[1]:.0f} at 1)"
        )


if __name__ == "__main__":
    main()
