"""Stand-ins on 127.0.0.1 for the search services and for the web their results point to.

Each service speaks its real wire format, as its docs and client library have it:

- DuckDuckGo's HTML endpoint, as ddgs's ``Duckduckgo`` engine uses it: a form POST (``q``, ``b``, ``l``) to
  ``/html/``; results in ``div.result__body`` (``h2 a.result__a`` title, ``a.result__snippet`` link and text);
  ads link to ``duckduckgo.com/y.js``; HTTP 202 when it limits an address.
- Tavily, as tavily-python calls it: ``POST /search``, a JSON body, ``Authorization: Bearer <key>``;
  ``{"query", "results": [{"title", "url", "content", "score", "raw_content"}], "response_time"}``;
  401 ``{"detail": {"error": ...}}`` for a bad key.
- Brave Search: ``GET /res/v1/web/search?q=&count=``, ``X-Subscription-Token``; ``{"type": "search",
  "web": {"results": [{"title", "url", "description" (with <strong>), "extra_snippets"}]}}``;
  422 ``SUBSCRIPTION_TOKEN_INVALID`` and 429 ``RATE_LIMITED`` with ``X-RateLimit-Reset``.
- OpenAI: ``POST /v1/responses`` answers a ``web_search`` tool call with a ``web_search_call`` item and a
  message whose ``output_text`` carries ``url_citation`` annotations (links tagged ``utm_source=openai``);
  ``POST /v1/chat/completions`` replays scripted chat replies (the model that writes the report).

The site has articles with navigation and footers around them, a robots.txt that disallows ``/private/``,
a slow page, a huge page, a PDF, a redirect, a rate-limited page and a missing one.

``python standins.py [--port 8765]`` serves both until Ctrl-C (docs/research.md shows a run against it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TAVILY_KEY = "tvly-standin-key-0123456789"
BRAVE_TOKEN = "BSA-standin-token-0123456789"
OPENAI_KEY = "sk-standin-key-0123456789"
RATE_LIMITED = "rate limited"  # a query with these words is refused as over the limit, by every service


@dataclass(frozen=True)
class Article:
    """One page of the stand-in web: its path, title, snippet (what a search shows) and main text."""

    path: str
    title: str
    snippet: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


ARTICLES = (
    Article(
        "/articles/histogram-boosting.html",
        "Histogram-based gradient boosting",
        "Why histogram-based gradient boosting is fast on large tabular data.",
        (
            "Histogram-based gradient boosting bins each continuous feature into at most 255 bins before "
            "training, so finding a split scans bins instead of sorted values.",
            "On tables with more than ten thousand rows this makes training an order of magnitude faster "
            "than exact greedy splitting, with the same accuracy on held-out data.",
        ),
    ),
    Article(
        "/articles/learning-rate.html",
        "Tuning the learning rate and early stopping",
        "A practical guide to the learning rate of gradient boosting.",
        (
            "Start from a learning rate of 0.05 and stop early after 50 rounds without improvement on a "
            "validation fold; lower rates need more trees but rarely overfit.",
            "Tune the number of leaves and the minimum samples per leaf only after the learning rate is set.",
        ),
    ),
    Article(
        "/articles/categorical-features.html",
        "Categorical features in gradient boosting",
        "How boosting libraries handle categorical columns.",
        (
            "LightGBM splits categorical features natively by sorting categories by their gradient "
            "statistics; CatBoost uses ordered target statistics to avoid target leakage.",
            "One-hot encoding high-cardinality columns wastes splits and slows training.",
        ),
    ),
    Article(
        "/articles/neural-networks-on-tables.html",
        "Do neural networks beat gradient boosting on tables?",
        "Benchmarks of deep learning against tree ensembles on tabular data.",
        (
            "On medium-sized tabular benchmarks tree ensembles such as XGBoost still beat deep networks, "
            "which are more sensitive to uninformative features.",
        ),
    ),
    Article(
        "/private/internal-notes.html",
        "Internal notes on boosting",
        "Notes that robots.txt asks crawlers to leave alone.",
        ("These notes are disallowed by robots.txt and must never reach a report.",),
    ),
)
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n\nUser-agent: GreedyBot\nDisallow: /\n"
BOILERPLATE_NAV = "Home Products Pricing Blog Careers Sign in"
BOILERPLATE_FOOTER = "Copyright 2026 Example Analytics Ltd. All rights reserved. Privacy policy. Cookie settings."
SLOW_PAGE_S = 3.0  # the slow page takes this long to send (in small pieces)
HUGE_PAGE_BYTES = 3_000_000
LATE_MARKER = "This sentence lies beyond the first megabyte."


def article_html(article: Article) -> str:
    """An article page as sites serve them: navigation, a sidebar and a footer around the article."""
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in article.paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(article.title)}</title></head><body>"
        f"<header><nav>{''.join(f'<a href=/{word.lower()}>{word}</a> ' for word in BOILERPLATE_NAV.split())}</nav>"
        f"</header><main><article><h1>{escape(article.title)}</h1>{paragraphs}</article></main>"
        "<aside><h3>Related</h3><ul><li><a href=/a>Ten tips for dashboards</a></li></ul></aside>"
        f"<footer><p>{BOILERPLATE_FOOTER}</p></footer></body></html>"
    )


# --- the server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A request as the stand-in received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)


@dataclass
class Reply:
    """What the stand-in answers: status, body, content type, headers; ``pieces`` sent ``drip_s`` apart."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    pieces: int = 1
    drip_s: float = 0.0

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(value).encode(), "application/json", headers or {})

    @classmethod
    def html(cls, text: str, status: int = 200) -> Reply:
        return cls(status, text.encode())


Route = Callable[[Request], Reply]


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that says nothing when a client drops its connection (a reader at its limit)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StandIn:
    """A real HTTP server on 127.0.0.1 answering every request with ``route(request)``, recording each one."""

    def __init__(self, route: Route, port: int = 0) -> None:
        self.requests: list[Request] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    time.monotonic(),
                )
                owner.requests.append(request)
                reply = route(request)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                size = -(-len(reply.body) // reply.pieces) if reply.body else 0
                try:
                    for start in range(0, len(reply.body), size or 1):
                        self.wfile.write(reply.body[start : start + size])
                        self.wfile.flush()
                        time.sleep(reply.drip_s)
                except (BrokenPipeError, ConnectionResetError):  # the reader stopped reading: its limit
                    self.close_connection = True

            do_GET = do_POST = handle_one

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = QuietServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def seen(self, path: str) -> list[Request]:
        """The requests for ``path``, in order."""
        return [request for request in self.requests if request.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- the site --------------------------------------------------------------------------------


def site_route(request: Request) -> Reply:
    """The stand-in web: articles, robots.txt, and pages that test the reader's limits."""
    pages = {article.path: article for article in ARTICLES}
    if request.path == "/robots.txt":
        return Reply(body=ROBOTS_TXT.encode(), content_type="text/plain")
    if request.path in pages:
        return Reply.html(article_html(pages[request.path]))
    if request.path == "/slow.html":
        body = article_html(ARTICLES[0]).encode()
        return Reply(body=body, pieces=30, drip_s=SLOW_PAGE_S / 30)
    if request.path == "/huge.html":
        head = article_html(ARTICLES[1]).replace("</article>", "<p>" + "Filler text. " * 200 + "</p></article>")
        filler = "<p>" + "More filler. " * 80 + "</p>"
        tail = f"<article><p>{LATE_MARKER}</p></article></body></html>"
        body = head.replace("</body></html>", "") + filler * (HUGE_PAGE_BYTES // len(filler)) + tail
        return Reply.html(body)
    if request.path == "/paper.pdf":
        return Reply(body=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf")
    if request.path == "/plain.txt":
        return Reply(body=b"Plain text notes: use early stopping.", content_type="text/plain; charset=utf-8")
    if request.path == "/moved":
        return Reply(301, headers={"Location": "/articles/learning-rate.html"})
    if request.path == "/loop":
        return Reply(302, headers={"Location": "/loop"})
    if request.path == "/busy.html":
        return Reply(429, b"slow down", headers={"Retry-After": "60"})
    return Reply.html("<html><body><h1>Not found</h1></body></html>", status=404)


# --- the search services ---------------------------------------------------------------------


def ranked(query: str) -> list[Article]:
    """The articles that share a word with ``query``, most shared words first (the private one included)."""
    words = set(re.findall(r"[a-z]+", query.lower())) - {"the", "for", "on", "of", "and", "a", "in", "to"}

    def overlap(article: Article) -> int:
        return len(words & set(re.findall(r"[a-z]+", f"{article.title} {article.text}".lower())))

    return sorted((a for a in ARTICLES if overlap(a)), key=lambda article: -overlap(article))


@dataclass
class Services:
    """The four search services in one server; their results point to pages of the site at ``site_url``."""

    site_url: str
    chat_replies: list[str] = field(default_factory=list)  # what /v1/chat/completions answers, in turn
    chats: list[Request] = field(default_factory=list)  # the chat requests received

    def route(self, request: Request) -> Reply:
        routes: dict[tuple[str, str], Route] = {
            ("POST", "/html/"): self.duckduckgo,
            ("POST", "/search"): self.tavily,
            ("GET", "/res/v1/web/search"): self.brave,
            ("POST", "/v1/responses"): self.openai_responses,
            ("POST", "/v1/chat/completions"): self.openai_chat,
        }
        handler = routes.get((request.method, request.path))
        return handler(request) if handler else Reply.json({"error": "not found"}, status=404)

    def duckduckgo(self, request: Request) -> Reply:
        query = request.form().get("q", [""])[0]
        if RATE_LIMITED in query:
            return Reply.html("<html><body>Please try again later.</body></html>", status=202)
        ad = (
            "<div class='result results_links results_links_deep result--ad '>"
            "<div class='links_main links_deep result__body'><h2 class='result__title'>"
            "<a class='result__a' href='https://duckduckgo.com/y.js?ad_domain=boost.example'>Buy BoostPro</a></h2>"
            "<a class='result__snippet' href='https://duckduckgo.com/y.js?ad_domain=boost.example'>Ad</a>"
            "</div></div>"
        )
        rows = "".join(
            "<div class='result results_links results_links_deep web-result '>"
            "<div class='links_main links_deep result__body'><h2 class='result__title'>"
            f"<a rel='nofollow' class='result__a' href='{self.site_url}{a.path}'>{escape(a.title)}</a></h2>"
            f"<div class='result__extras'><div class='result__extras__url'><a class='result__url' "
            f"href='{self.site_url}{a.path}'>127.0.0.1{a.path}</a></div></div>"
            f"<a class='result__snippet' href='{self.site_url}{a.path}'>{_bold(a.snippet, query)}</a>"
            "<div class='clear'></div></div></div>"
            for a in ranked(query)
        )
        page = (
            "<!DOCTYPE html><html><head><title>"
            f"{escape(query)} at DuckDuckGo</title></head><body><div id='links' class='results'>{ad}{rows}"
            "</div></body></html>"
        )
        return Reply.html(page)

    def tavily(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TAVILY_KEY}":
            return Reply.json({"detail": {"error": "Unauthorized: missing or invalid API key."}}, status=401)
        body = request.json()
        if RATE_LIMITED in body["query"]:
            return Reply.json({"detail": {"error": "Your request has been blocked: rate limit."}}, status=429)
        results = [
            {
                "title": a.title,
                "url": f"{self.site_url}{a.path}",
                "content": a.snippet,
                "score": round(0.9 - 0.1 * rank, 2),
                "raw_content": f"# {a.title}\n\n{a.text}" if body.get("include_raw_content") and readable else None,
                "favicon": None,
            }
            for rank, a in enumerate(ranked(body["query"])[: body.get("max_results", 5)])
            for readable in [not a.path.startswith("/private/")]  # Tavily's crawler obeys robots.txt too
        ]
        reply = {
            "query": body["query"],
            "follow_up_questions": None,
            "answer": None,
            "images": [],
            "results": results,
            "response_time": "0.42",
            "request_id": "123e4567-e89b-12d3-a456-426614174111",
        }
        return Reply.json(reply)

    def brave(self, request: Request) -> Reply:
        if request.headers.get("x-subscription-token") != BRAVE_TOKEN:
            error = {
                "id": "c4d5",
                "status": 422,
                "code": "SUBSCRIPTION_TOKEN_INVALID",
                "detail": "The provided subscription token is invalid.",
                "meta": {"component": "authentication"},
            }
            return Reply.json({"type": "ErrorResponse", "error": error, "time": 1735603200}, status=422)
        query = request.query.get("q", [""])[0]
        if RATE_LIMITED in query:
            error = {
                "id": "e7f8",
                "status": 429,
                "code": "RATE_LIMITED",
                "detail": "Request rate limit exceeded for plan.",
                "meta": {"plan": "Free", "rate_limit": 1, "rate_current": 2},
            }
            headers = {
                "X-RateLimit-Limit": "1, 2000",
                "X-RateLimit-Remaining": "0, 1990",
                "X-RateLimit-Reset": "1, 1419704",
            }
            return Reply.json({"type": "ErrorResponse", "error": error, "time": 1735603200}, 429, headers)
        count = int(request.query.get("count", ["20"])[0])
        results = [
            {
                "type": "search_result",
                "subtype": "generic",
                "title": a.title,
                "url": f"{self.site_url}{a.path}",
                "description": _bold(a.snippet, query, tag="strong"),
                "is_source_local": False,
                "is_source_both": False,
                "language": "en",
                "family_friendly": True,
                "profile": {"name": "127.0.0.1", "url": self.site_url, "long_name": "127.0.0.1"},
                "meta_url": {"scheme": "http", "netloc": "127.0.0.1", "hostname": "127.0.0.1", "path": a.path},
            }
            for a in ranked(query)[:count]
        ]
        reply = {
            "type": "search",
            "query": {"original": query, "show_strict_warning": False, "is_navigational": False},
            "mixed": {
                "type": "mixed",
                "main": [{"type": "web", "index": i, "all": False} for i in range(len(results))],
            },
            "web": {"type": "search", "results": results, "family_friendly": True},
        }
        return Reply.json(reply)

    def openai_responses(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {OPENAI_KEY}":
            error = {
                "message": "Incorrect API key provided.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
            return Reply.json({"error": error}, status=401)
        body = request.json()
        query = body["input"].splitlines()[0].removeprefix("Search the web for: ")
        text, annotations = "", []
        for a in ranked(query)[:4]:
            url = f"{self.site_url}{a.path}?utm_source=openai"
            sentence = f"- {a.snippet.rstrip('.')} "
            link = f"([127.0.0.1]({url}))"
            start = len(text) + len(sentence)
            text += f"{sentence}{link}.\n"
            annotations.append(
                {
                    "type": "url_citation",
                    "start_index": start,
                    "end_index": start + len(link),
                    "url": url,
                    "title": a.title,
                }
            )
        reply = {
            "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
            "object": "response",
            "created_at": 1741476542,
            "status": "completed",
            "error": None,
            "model": body["model"] + "-2025-04-14",
            "output": [
                {
                    "type": "web_search_call",
                    "id": "ws_67c9fa05",
                    "status": "completed",
                    "action": {"type": "search", "query": query},
                },
                {
                    "type": "message",
                    "id": "msg_67c9fa07",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}],
                },
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": body.get("tools", []),
            "usage": {
                "input_tokens": 328,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 96,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 424,
            },
            "metadata": {},
        }
        return Reply.json(reply)

    def openai_chat(self, request: Request) -> Reply:
        self.chats.append(request)
        turn = min(len(self.chats), len(self.chat_replies)) - 1
        text = self.chat_replies[turn] if self.chat_replies else "No reply."
        reply = {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": 0,
            "model": request.json()["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020},
        }
        return Reply.json(reply)


def _bold(snippet: str, query: str, tag: str = "b") -> str:
    """``snippet`` with the words of ``query`` in ``<tag>``, as search engines highlight them."""
    words = {word.lower() for word in re.findall(r"[A-Za-z]+", query) if len(word) > 3}
    return " ".join(
        f"<{tag}>{escape(w)}</{tag}>" if w.strip(".,").lower() in words else escape(w) for w in snippet.split()
    )


@dataclass
class Web:
    """The site and the services, started together."""

    site: StandIn
    services: StandIn
    state: Services

    @property
    def service_params(self) -> dict[str, dict[str, Any]]:
        """Each provider's parameters that point it at these stand-ins (and let it read pages on 127.0.0.1)."""
        base = self.services.url
        reading = {"private_hosts": True, "host_interval_s": 0.0, "query_interval_s": 0.0}
        return {
            "ddgs": {"search_url": f"{base}/html/", **reading},
            "tavily": {"api_base_url": base, **reading},
            "brave": {"base_url": f"{base}/res/v1", **reading},
            "openai": {"api_base": f"{base}/v1", **reading},
        }


@contextmanager
def serve(port: int = 0) -> Iterator[Web]:
    """The site and the services on 127.0.0.1 (``port`` and ``port + 1`` when given, else free ports)."""
    with StandIn(site_route, port) as site:
        state = Services(site.url)
        with StandIn(state.route, port + 1 if port else 0) as services:
            yield Web(site, services, state)


def main() -> None:
    parser = argparse.ArgumentParser(description="serve the stand-in web and search services until Ctrl-C")
    parser.add_argument("--port", type=int, default=8765, help="the site's port; the services take the next one")
    args = parser.parse_args()
    with serve(args.port) as web:
        print(f"site      {web.site.url}")
        print(f"services  {web.services.url}")
        for provider, params in web.service_params.items():
            print(f"  --provider {provider} " + " ".join(f"{key}={value}" for key, value in params.items()))
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
