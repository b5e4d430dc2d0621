"""``tinkerer ui`` answers only its owner: the printed URL's token (kept in a cookie), a loopback Host, no Origin."""

from __future__ import annotations

import http.cookiejar
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_core.local_server_auth import request, stalled_request
from tinkerer_plugin_reports.ui import ReportServer


@pytest.fixture
def server(finished_run: Path) -> Iterator[ReportServer]:
    with ReportServer(finished_run) as running:
        yield running


def owner(server: ReportServer, **extra: str) -> dict[str, str]:
    return {"Host": server.url.split("/")[2], "X-API-Key": server.token, **extra}


def browser() -> urllib.request.OpenerDirector:
    """A client that keeps cookies and follows redirects, as a browser does."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def test_the_printed_url_lets_the_browser_in_and_leaves_the_token_in_a_cookie(server: ReportServer) -> None:
    client = browser()
    with client.open(server.page_url, timeout=10) as page:
        assert page.url == server.url  # redirected: the token is no longer in the address bar
        assert "const LIVE = true" in page.read().decode()
    with client.open(server.url + "data.json", timeout=10) as data:
        assert json.load(data)["best_score"] == 0.7
    with pytest.raises(urllib.error.HTTPError) as refused:
        browser().open(server.url + "data.json", timeout=10)  # another browser, without the cookie
    assert refused.value.code == 401


@pytest.mark.parametrize(
    ("name", "headers", "status"),
    [
        ("no token", lambda s: {"Host": owner(s)["Host"]}, 401),
        ("wrong token", lambda s: owner(s, **{"X-API-Key": "guessed"}), 401),
        (
            "wrong cookie",
            lambda s: {"Host": owner(s)["Host"], "Cookie": f"tinkerer-ui-{s.httpd.server_address[1]}=guessed"},
            401,
        ),
        (
            "DNS rebinding: foreign Host and Origin",
            lambda s: {"Host": "evil.example", "Origin": "http://evil.example"},
            403,
        ),
        ("foreign Host with the token", lambda s: owner(s, Host="evil.example"), 403),
        ("foreign Origin with the token", lambda s: owner(s, Origin="http://evil.example"), 403),
    ],
)
def test_strangers_are_refused(server: ReportServer, name: str, headers, status: int) -> None:
    for path in ("", "data.json", "?token=guessed"):
        code, body = request(server.url + path, headers=headers(server))
        assert code == status, (name, path)
        assert b"best_score" not in body
    assert request(server.url + "data.json", headers=owner(server))[0] == 200


def test_an_oversized_upload_is_refused_unread_and_a_slow_client_stops_nobody(server: ReportServer) -> None:
    huge = owner(server, **{"Content-Length": str(1 << 40)})
    assert request(server.url, "POST", huge)[0] == 501  # the UI reads no bodies: it never waits for this one
    with stalled_request(server.url, b"GET /data.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
        status, body = request(server.url + "data.json", headers=owner(server))
        assert status == 200 and json.loads(body)["best_score"] == 0.7


def test_the_ui_command_serves_the_run_until_interrupted(finished_run: Path) -> None:
    tinkerer = str(Path(sys.executable).with_name("tinkerer"))
    process = subprocess.Popen(
        [tinkerer, "ui", str(finished_run)],
        stdout=subprocess.PIPE,
        text=True,
        # a test run started in the background inherits SIGINT ignored; the command must see Ctrl-C as users do
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith(f"serving {finished_run} at http://127.0.0.1:")
        page_url = line.split(" at ", 1)[1].split(" ", 1)[0]
        assert "?token=" in page_url
        client = browser()
        with client.open(page_url, timeout=10) as response:
            assert "const LIVE = true" in response.read().decode()
        with client.open(page_url.split("?")[0] + "data.json", timeout=10) as response:
            assert json.loads(response.read())["best_score"] == 0.7
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
