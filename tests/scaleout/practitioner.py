"""A practitioner walking the flowchart over real HTTP, as a browser without JavaScript would.

Shared by the two-server tests, the kill test (tests/scaleout) and the load run (bench/load.py,
bench/locustfile.py), so it imports no Django: it reads forms from the pages (CSRF token, revision,
start token), answers each question the page URL names from a fixed walk, and keeps a list of every
answer the server acknowledged (a 303 to the next step), which the callers compare with the database.

The transport is what differs: `Browser` below (urllib, a cookie jar, a client-side "load balancer"
that fails over to the other server) for the tests; Locust's own HTTP session for the load run.
"""

from __future__ import annotations

import re
import urllib.error
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.client import HTTPException
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPErrorProcessor, Request, build_opener

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]
FLOWCHART_PATH = ROOT / "flowchart" / "information-sharing.yaml"
RATIONALE = "The facts in the case notes support this answer"
STEP_URL = re.compile(r"/decisions/(?P<id>[0-9a-f-]{36})/steps/(?P<index>\d+)/(?P<node>[a-z0-9_]+)/$")
CHECK_URL = re.compile(r"/decisions/(?P<id>[0-9a-f-]{36})/check/$")
OUTCOME_URL = re.compile(r"/decisions/(?P<id>[0-9a-f-]{36})/outcome/$")
ERROR = re.compile(r'class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> (.*?)</p>')


class ServerGone(Exception):
    """The request may or may not have reached a server that went away: nothing was acknowledged."""


class WalkFailed(AssertionError):
    """The server answered, but not as a walk that works should."""


@dataclass
class Reply:
    status: int
    location: str
    text: str


@dataclass(frozen=True)
class Acknowledged:
    """An answer the server confirmed by sending the client on to the next step."""

    public_id: str
    index: int
    node: str
    answer: str


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    if not found:
        raise WalkFailed(f"no {name} on the page: {page[:500]}")
    return found.group(1)


def errors(page: str) -> list[str]:
    return ERROR.findall(page)


def sign_in(transport, username: str, password: str) -> int:
    """Sign in through the form; how many times the server went away on the way (0 usually)."""
    for gone in range(3):
        page = transport.send("GET", "/accounts/login/", name="sign in page").text
        try:
            reply = transport.send("POST", "/accounts/login/", {
                "csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"), "username": username,
                "password": password,
            }, name="sign in")
        except ServerGone:
            continue  # the person signs in again, on whichever server answers
        if reply.status not in (302, 303):
            raise WalkFailed(f"sign-in of {username} refused ({reply.status}): {errors(reply.text)}")
        return gone
    raise WalkFailed(f"sign-in of {username}: every server gone")


class Walker:
    """One practitioner's walk along `pairs` ("node:answer", the first being "start:<answer>")."""

    def __init__(self, transport, pairs: Sequence[str], *, case_reference: str, flowchart=None) -> None:
        self.transport = transport
        self.answers = dict(pair.split(":") for pair in pairs)
        self.case_reference = case_reference
        self.flowchart = flowchart or load_flowchart(FLOWCHART_PATH)
        self.acknowledged: list[Acknowledged] = []
        self.public_id = ""
        self.failovers = 0

    def body(self, node_id: str, page: str) -> dict:
        """The answer to `node_id` with the details the flowchart asks for, and the page's tokens."""
        answer = self.answers[node_id]
        data = {"csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"), "answer": answer, "rationale": RATIONALE}
        for spec in self.flowchart.node(node_id).fields:
            if spec.is_shown_for(answer):
                data[spec.id] = (spec.choices[0].id if spec.choices else
                                 {"date": "1 1 2099", "confirm": "yes"}.get(spec.type, "Load test details"))
        return data

    def sign_in(self, username: str, password: str) -> None:
        self.failovers += sign_in(self.transport, username, password)

    def start(self) -> str:
        """Post the first page; the URL of the first question."""
        page = self.transport.send("GET", "/decisions/new/", name="start page").text
        data = {**self.body("start", page), "case_reference": self.case_reference,
                "start_token": form_value(page, "start_token")}
        for _ in range(3):
            try:
                reply = self.transport.send("POST", "/decisions/new/", data, name="start")
                break
            except ServerGone:
                # The same one-time token again: a draft made before the server went is found, not copied.
                self.failovers += 1
        else:
            raise WalkFailed("could not start: every server gone")
        found = STEP_URL.search(reply.location)
        if reply.status not in (302, 303) or not found:
            raise WalkFailed(f"start refused ({reply.status}): {errors(reply.text)}")
        self.public_id = found["id"]
        self.acknowledged.append(Acknowledged(self.public_id, 0, "start", self.answers["start"]))
        return reply.location

    def answer(self, url: str) -> str:
        """Answer the question at `url`; the URL to go to next (the next question, check answers or, after a
        lost connection, the decision's own URL, which sends the client wherever the walk really is)."""
        reply = self.transport.send("GET", url, name="question")
        if reply.status in (302, 303):
            return reply.location
        if reply.status != 200:
            raise WalkFailed(f"question {url} answered {reply.status}")
        step = STEP_URL.search(url)
        index, node = int(step["index"]), step["node"]
        data = {**self.body(node, reply.text), "revision": form_value(reply.text, "revision")}
        try:
            posted = self.transport.send("POST", url, data, name="answer")
        except ServerGone:
            self.failovers += 1
            return f"/decisions/{self.public_id}/"
        if posted.status not in (302, 303):
            raise WalkFailed(f"answer to {node} not taken ({posted.status}): {errors(posted.text)}")
        following = STEP_URL.search(posted.location)
        if (following and int(following["index"]) == index + 1) or CHECK_URL.search(posted.location):
            self.acknowledged.append(Acknowledged(self.public_id, index, node, self.answers[node]))
        return posted.location

    def submit(self, url: str) -> str:
        """Record the decision from check answers; the outcome page's URL."""
        reply = self.transport.send("GET", url, name="check answers")
        if reply.status in (302, 303):
            return reply.location
        data = {"csrfmiddlewaretoken": form_value(reply.text, "csrfmiddlewaretoken"),
                "revision": form_value(reply.text, "revision")}
        try:
            posted = self.transport.send("POST", url, data, name="record")
        except ServerGone:
            self.failovers += 1
            return f"/decisions/{self.public_id}/"
        if posted.status not in (302, 303):
            raise WalkFailed(f"record refused ({posted.status}): {errors(posted.text)}")
        return posted.location

    def walk(self, *, steps: int | None = None) -> str:
        """Start (unless started) and go on until the decision is recorded, or for `steps` pages; the last URL."""
        url = self.start() if not self.public_id else f"/decisions/{self.public_id}/"
        return self.go_on(url, steps=steps)

    def go_on(self, url: str, *, steps: int | None = None) -> str:
        for _ in range(steps if steps is not None else 200):
            if OUTCOME_URL.search(url):
                return url
            if CHECK_URL.search(url):
                url = self.submit(url)
            elif STEP_URL.search(url):
                url = self.answer(url)
            else:  # the decision's own URL, after a lost connection: where is the walk now?
                reply = self.transport.send("GET", url, name="resume")
                if reply.status not in (302, 303):
                    raise WalkFailed(f"resume {url} answered {reply.status}")
                url = reply.location
        if steps is None:
            raise WalkFailed(f"walk {self.public_id} did not end")
        return url


class _KeepStatus(HTTPErrorProcessor):
    """Hand back every response as it came (no redirect followed, no exception for a 4xx)."""

    def http_response(self, request, response):
        return response


class Browser:
    """A browser with one cookie jar, behind a tiny load balancer: it talks to `servers[preferred]`
    and, when that server cannot be reached, moves to the next one with the same cookies, as a
    reverse proxy would. A request that was (perhaps) sent to a server that died is not retried:
    ServerGone tells the walker, which asks the decision where it stands instead.

    The session and CSRF cookies are Secure (production settings); the jar sends them over plain
    HTTP here, as the browser would over the HTTPS the proxy ends.
    """

    def __init__(self, servers: Sequence[str], preferred: int = 0, timeout: float = 30) -> None:
        self.servers, self.current, self.timeout = list(servers), preferred % len(servers), timeout
        self.jar = CookieJar(policy=DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        self.opener = build_opener(HTTPCookieProcessor(self.jar), _KeepStatus())
        self.served_by: list[int] = []

    @property
    def base(self) -> str:
        return self.servers[self.current]

    def use(self, index: int) -> Browser:
        self.current = index
        return self

    def send(self, method: str, path: str, data: dict | None = None, *, name: str = "") -> Reply:
        path = urlsplit(path).path if path.startswith("http") else path
        for _ in range(len(self.servers)):
            body = urlencode(data).encode() if data is not None else None
            request = Request(self.base + path, data=body, method=method)
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    text = response.read().decode()
                    self.served_by.append(self.current)
                    return Reply(response.status, response.headers.get("Location", ""), text)
            except (TimeoutError, urllib.error.URLError, HTTPException, ConnectionError) as exc:
                refused = isinstance(getattr(exc, "reason", exc), ConnectionRefusedError)
                self.current = (self.current + 1) % len(self.servers)
                if method != "GET" and not refused:
                    raise ServerGone(f"{method} {path}: {exc!r}") from exc
                # Never reached a server (refused), or safe to repeat (GET): the balancer retries it.
        raise ServerGone(f"{method} {path}: no server answers")


def new_case_reference() -> str:
    return f"LOAD-{uuid.uuid4().hex[:8]}"


@dataclass
class Tally:
    """What many walkers were told, to compare with the database."""

    acknowledged: list[Acknowledged] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
