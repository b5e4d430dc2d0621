"""Reading result pages politely: robots.txt obeyed, each host paced, size and time bounded, main text kept.

robots.txt follows RFC 9309: a missing one (4xx) allows everything, an unreachable one (5xx, no answer)
allows nothing; its Crawl-delay, when longer, replaces the reader's interval between requests to a host.
Pages on loopback and private addresses are not read unless asked, since a result can point anywhere.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from tinkerer_core import WebResult
from tinkerer_core.prompts import bounded
from tinkerer_plugin_web_search.pacing import Pacer

if TYPE_CHECKING:
    from urllib.robotparser import RobotFileParser

    import httpx

READABLE = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"
MAX_REDIRECTS = 5
ROBOTS_BYTES = 500 * 1024  # RFC 9309: crawlers parse at least the first 500 KiB
WORKERS = 4  # pages fetched at once


class Unreadable(Exception):
    """Why a page was not read; it becomes the result's note."""


@dataclass(frozen=True)
class RobotsRules:
    """A host's robots.txt as read: its rules, none (all allowed), or unreachable (nothing allowed)."""

    parser: RobotFileParser | None = None
    unreachable: str = ""


@dataclass
class PageReader:
    """Fetches pages and keeps their main text (trafilatura), within a size and a time limit per page."""

    user_agent: str
    max_bytes: int
    max_chars: int
    timeout_s: float
    host_interval_s: float
    private_hosts: bool = False
    _pacer: Pacer = field(default_factory=Pacer, init=False)
    _robots: dict[str, RobotsRules] = field(default_factory=dict, init=False)
    _robots_locks: defaultdict[str, threading.Lock] = field(
        default_factory=lambda: defaultdict(threading.Lock), init=False
    )

    def read_all(self, results: Sequence[WebResult]) -> list[WebResult]:
        """``results`` with their pages read, a few at a time, over one connection pool."""
        if not results:
            return []
        with self._client() as client, ThreadPoolExecutor(min(WORKERS, len(results)), "page-reader") as pool:
            return list(pool.map(lambda result: self._read(result, client), results))

    def read(self, result: WebResult) -> WebResult:
        """``result`` with its page's main text, or with a note saying why it was not read."""
        with self._client() as client:
            return self._read(result, client)

    def _client(self) -> httpx.Client:
        import httpx

        return httpx.Client(headers={"User-Agent": self.user_agent, "Accept": ACCEPT}, follow_redirects=False)

    def _read(self, result: WebResult, client: httpx.Client) -> WebResult:
        try:
            return replace(result, text=self._main_text(result.url, client), note="")
        except Unreadable as why:
            return replace(result, note=str(why))

    def _main_text(self, url: str, client: httpx.Client) -> str:
        """The main text of the page at ``url`` (redirects followed and each hop checked); ``Unreadable`` if none."""
        import httpx

        deadline = time.monotonic() + self.timeout_s
        try:
            for _ in range(MAX_REDIRECTS + 1):
                self._check_address(url)
                self._wait_turn(client, url, deadline)
                with client.stream("GET", url, timeout=self._left(deadline)) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    kind = self._kind(response)
                    body = self._body(response, deadline)
                    return self._extract(body, kind, url, response.encoding or "utf-8")
        except httpx.TimeoutException:
            raise Unreadable(f"no answer within {self.timeout_s:g} s") from None
        except httpx.HTTPError as error:
            raise Unreadable(f"cannot fetch it ({type(error).__name__}: {error})") from None
        raise Unreadable(f"more than {MAX_REDIRECTS} redirects")

    def _check_address(self, url: str) -> None:
        """Refuse what is not http(s), and hosts on loopback or private addresses unless ``private_hosts``."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Unreadable("not an http(s) URL")
        if self.private_hosts:
            return
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, None, type=socket.SOCK_STREAM)}
        except (socket.gaierror, UnicodeError) as error:
            raise Unreadable(f"cannot resolve {parts.hostname} ({error})") from None
        for address in sorted(addresses):
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise Unreadable(f"{parts.hostname} is a private address ({address}); private_hosts=true reads it")

    def _wait_turn(self, client: httpx.Client, url: str, deadline: float) -> None:
        """Wait for the host's next slot, if its robots.txt lets this agent fetch ``url``."""
        rules = self._rules(client, url, deadline)
        if rules.unreachable:
            raise Unreadable(f"robots.txt could not be read ({rules.unreachable}), so nothing is fetched")
        delay = 0.0
        if rules.parser is not None:
            if not rules.parser.can_fetch(self.user_agent, url):
                raise Unreadable("robots.txt disallows it")
            delay = float(rules.parser.crawl_delay(self.user_agent) or 0)
        interval = max(self.host_interval_s, delay)
        if not self._pacer.wait(_origin(url), interval, max_wait_s=self._left(deadline)):
            raise Unreadable(f"the host asks for {interval:g} s between requests: no turn within {self.timeout_s:g} s")

    def _rules(self, client: httpx.Client, url: str, deadline: float) -> RobotsRules:
        """The robots.txt rules of ``url``'s host, read once per reader."""
        origin = _origin(url)
        with self._robots_locks[origin]:
            if origin not in self._robots:
                self._robots[origin] = self._read_robots(client, origin, deadline)
            return self._robots[origin]

    def _read_robots(self, client: httpx.Client, origin: str, deadline: float) -> RobotsRules:
        from urllib.robotparser import RobotFileParser

        import httpx

        try:
            with client.stream(
                "GET", f"{origin}/robots.txt", timeout=self._left(deadline), follow_redirects=True
            ) as response:
                if 400 <= response.status_code < 500:
                    return RobotsRules()
                if response.status_code != 200:
                    return RobotsRules(unreachable=f"HTTP {response.status_code}")
                text = self._body(response, deadline, ROBOTS_BYTES).decode("utf-8", errors="replace")
        except (httpx.HTTPError, Unreadable) as error:
            return RobotsRules(unreachable=f"{type(error).__name__}: {error}")
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return RobotsRules(parser)

    def _kind(self, response: httpx.Response) -> str:
        if response.status_code == 429:
            raise Unreadable("the host is rate limiting (HTTP 429)")
        if response.status_code != 200:
            raise Unreadable(f"HTTP {response.status_code}")
        content_type = response.headers.get("content-type", "text/html").split(";")[0].strip().lower()
        if content_type not in READABLE:
            raise Unreadable(f"not a web page ({content_type})")
        return READABLE[content_type]

    def _body(self, response: httpx.Response, deadline: float, max_bytes: int | None = None) -> bytes:
        """Up to ``max_bytes`` (the reader's limit by default) of the body, downloaded before ``deadline``."""
        limit = max_bytes or self.max_bytes
        body = bytearray()
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise Unreadable(f"not downloaded within {self.timeout_s:g} s")
            body += chunk[: limit - len(body)]
            if len(body) >= limit:
                break
        return bytes(body)

    def _extract(self, body: bytes, kind: str, url: str, encoding: str) -> str:
        if kind == "text":
            text = body.decode(encoding, errors="replace")
        else:
            import trafilatura

            text = trafilatura.extract(body, url=url, output_format="markdown", include_comments=False) or ""
        if not text.strip():
            raise Unreadable("no main text found")
        return bounded(text.strip(), self.max_chars)

    def _left(self, deadline: float) -> float:
        """Seconds left before ``deadline``; ``Unreadable`` when none."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unreadable(f"not read within {self.timeout_s:g} s")
        return left


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
