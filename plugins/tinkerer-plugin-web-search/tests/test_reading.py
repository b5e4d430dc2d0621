"""The page reader against real local pages: main text kept, robots.txt obeyed, hosts paced, size and time bounded."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest

from tinkerer_core import WebResult
from tinkerer_plugin_web_search.reading import PageReader

from .standins import (
    ARTICLES,
    BOILERPLATE_FOOTER,
    BOILERPLATE_NAV,
    LATE_MARKER,
    Reply,
    Request,
    StandIn,
    Web,
    site_route,
)

HISTOGRAM, LEARNING_RATE, CATEGORICAL, NEURAL, PRIVATE = ARTICLES


def reader(**options: object) -> PageReader:
    """A reader allowed to read 127.0.0.1, with small limits so the tests stay fast."""
    settings: dict[str, object] = {
        "user_agent": "TinkererResearch/0.1",
        "max_bytes": 1_000_000,
        "max_chars": 8000,
        "timeout_s": 5.0,
        "host_interval_s": 0.0,
        "private_hosts": True,
    }
    return PageReader(**{**settings, **options})  # type: ignore[arg-type]


def read(url: str, **options: object) -> WebResult:
    return reader(**options).read(WebResult("a result", url, "its snippet"))


def site_with(robots: Reply) -> StandIn:
    """The stand-in site, with another robots.txt."""
    route: Callable[[Request], Reply] = lambda request: robots if request.path == "/robots.txt" else site_route(request)  # noqa: E731
    return StandIn(route)


def test_an_article_is_reduced_to_its_main_text(web: Web) -> None:
    result = read(f"{web.site.url}{HISTOGRAM.path}")
    assert result.note == "" and result.snippet == "its snippet"
    assert result.text.startswith(f"# {HISTOGRAM.title}\n\n{HISTOGRAM.paragraphs[0]}")
    assert HISTOGRAM.paragraphs[1] in result.text
    for boilerplate in (BOILERPLATE_FOOTER, BOILERPLATE_NAV, "Ten tips for dashboards"):
        assert boilerplate not in result.text
    short = read(f"{web.site.url}{HISTOGRAM.path}", max_chars=120).text
    assert short.startswith(f"# {HISTOGRAM.title}") and short.endswith("[truncated]\n") and len(short) < 160


def test_robots_txt_is_read_once_per_host_and_obeyed(web: Web) -> None:
    pages = [WebResult(a.title, f"{web.site.url}{a.path}") for a in ARTICLES]
    results = reader().read_all(pages)
    assert [bool(result.text) for result in results] == [True, True, True, True, False]
    assert results[-1].note == "robots.txt disallows it"
    assert len(web.site.seen("/robots.txt")) == 1
    assert web.site.seen(PRIVATE.path) == []
    greedy = reader(user_agent="GreedyBot/2.0").read_all(pages[:2])  # its group disallows everything
    assert {result.note for result in greedy} == {"robots.txt disallows it"}
    assert len(web.site.seen(HISTOGRAM.path)) == 1  # only the first reader fetched it


@pytest.mark.parametrize(
    "robots, readable",
    [(Reply(404), True), (Reply(410), True), (Reply(503), False), (Reply(500), False)],
    ids=["404 allows all", "410 allows all", "503 allows nothing", "500 allows nothing"],
)
def test_a_missing_robots_txt_allows_all_and_an_unreachable_one_nothing(robots: Reply, readable: bool) -> None:
    with site_with(robots) as site:
        result = read(f"{site.url}{LEARNING_RATE.path}")
        fetched = site.seen(LEARNING_RATE.path)
    assert bool(result.text) is readable and bool(fetched) is readable
    if not readable:
        assert result.note == f"robots.txt could not be read (HTTP {robots.status}), so nothing is fetched"


def spaced(arrivals: list[float], interval_s: float, jitter_s: float = 0.05) -> bool:
    """Whether requests arrived ``interval_s`` apart: the reader starts them so; their arrival may lag by
    ``jitter_s`` on a busy machine."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    return arrivals[-1] - arrivals[0] >= len(gaps) * interval_s - jitter_s and min(gaps) >= interval_s - 2 * jitter_s


def test_requests_to_one_host_are_paced_and_a_longer_crawl_delay_wins() -> None:
    paths = [HISTOGRAM.path, LEARNING_RATE.path, CATEGORICAL.path]
    with site_with(Reply(body=b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")) as site:
        results = reader(host_interval_s=0.2).read_all([WebResult(p, f"{site.url}{p}") for p in paths])
        arrivals = sorted(request.at for request in site.requests if request.path in paths)
    assert all(result.text for result in results)
    assert spaced(arrivals, 1.0)
    with site_with(Reply(404)) as site:
        reader(host_interval_s=0.3).read_all([WebResult(p, f"{site.url}{p}") for p in paths])
        arrivals = sorted(request.at for request in site.requests if request.path in paths)
    assert spaced(arrivals, 0.3)


def test_a_crawl_delay_longer_than_the_time_limit_skips_the_page_instead_of_waiting() -> None:
    with site_with(Reply(body=b"User-agent: *\nCrawl-delay: 60\n", content_type="text/plain")) as site:
        started = time.monotonic()
        results = reader(timeout_s=1.0).read_all(
            [WebResult(p, f"{site.url}{p}") for p in (HISTOGRAM.path, LEARNING_RATE.path)]
        )
    assert time.monotonic() - started < 5
    assert sorted(bool(result.text) for result in results) == [False, True]
    assert "the host asks for 60 s between requests: no turn within 1 s" in {result.note for result in results}


def test_a_slow_page_is_given_up_at_the_time_limit(web: Web) -> None:
    started = time.monotonic()
    result = read(f"{web.site.url}/slow.html", timeout_s=0.8)
    assert result.text == "" and result.note in ("not downloaded within 0.8 s", "no answer within 0.8 s")
    assert time.monotonic() - started < 2.5  # the page takes 3 s to send


def test_a_huge_page_is_read_up_to_the_byte_limit(web: Web) -> None:
    result = read(f"{web.site.url}/huge.html", max_bytes=200_000)
    assert LEARNING_RATE.paragraphs[0] in result.text
    assert LATE_MARKER not in result.text
    assert LATE_MARKER in read(f"{web.site.url}/huge.html", max_bytes=4_000_000, max_chars=10_000_000).text


@pytest.mark.parametrize(
    "path, note",
    [
        ("/paper.pdf", "not a web page (application/pdf)"),
        ("/busy.html", "the host is rate limiting (HTTP 429)"),
        ("/missing.html", "HTTP 404"),
        ("/loop", "more than 5 redirects"),
    ],
)
def test_pages_that_cannot_be_read_say_why(web: Web, path: str, note: str) -> None:
    result = read(f"{web.site.url}{path}")
    assert (result.text, result.note) == ("", note)


def test_redirects_are_followed_and_plain_text_is_kept(web: Web) -> None:
    assert LEARNING_RATE.paragraphs[0] in read(f"{web.site.url}/moved").text
    assert read(f"{web.site.url}/plain.txt").text == "Plain text notes: use early stopping."


def test_private_addresses_and_other_schemes_are_not_fetched_unless_asked(web: Web) -> None:
    result = read(f"{web.site.url}{HISTOGRAM.path}", private_hosts=False)
    assert result.note == "127.0.0.1 is a private address (127.0.0.1); private_hosts=true reads it"
    assert web.site.requests == []
    assert read("file:///etc/passwd").note == "not an http(s) URL"
    assert read("ftp://127.0.0.1/notes.txt").note == "not an http(s) URL"
    closed = read("http://127.0.0.1:9/page.html")
    assert closed.text == "" and closed.note.startswith("robots.txt could not be read (ConnectError")
