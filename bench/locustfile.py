"""Locust: simulated practitioners walking the flowchart (run by bench/load.py, which starts the servers).

Each simulated practitioner is one of the seeded users (load0, load1, ...), already signed in by
load.py (its cookies in ISG_LOAD_SESSIONS), sticks to one server (round robin over ISG_LOAD_SERVERS
by user) and walks to an outcome, one question (the page, then the answer) per task, over and over. It fails over to the next server when its own cannot
be reached, keeping its cookies, as a reverse proxy would. Every answer a server acknowledged (a
redirect to the next step) is written to ISG_LOAD_ACKS when the run ends, for load.py to look for
in the database.

The walk and the form handling are tests/scaleout/practitioner.py's, shared with the kill test.
"""

from __future__ import annotations

import itertools
import json
import os

from locust import HttpUser, between, events, task

from isg.engine import load_flowchart
from tests.engine.walks import WALKS
from tests.scaleout.practitioner import (
    FLOWCHART_PATH,
    OUTCOME_URL,
    Reply,
    ServerGone,
    Walker,
    new_case_reference,
    sign_in,
)

SERVERS = [s for s in os.environ.get("ISG_LOAD_SERVERS", "").split(",") if s]
PASSWORD = os.environ.get("ISG_LOAD_PASSWORD", "")
USERS = int(os.environ.get("ISG_LOAD_USERS", "200"))
ACKS_FILE = os.environ.get("ISG_LOAD_ACKS", "")
SESSIONS = os.environ.get("ISG_LOAD_SESSIONS", "")
WAIT = [float(x) for x in os.environ.get("ISG_LOAD_WAIT", "5,15").split(",")]
# Half walk to "share, consent not needed" (the first page and seven questions), half to "do not share"
# (the first page and two), so that walks end and check answers and record are measured too.
PATHS = [WALKS["outcome_share_no_consent_needed"], WALKS["outcome_do_not_share"]]
FLOWCHART = load_flowchart(FLOWCHART_PATH)
_numbers = itertools.count()
_acknowledged: list = []
_walks = {"finished": [], "failovers": 0}  # finished: decisions the outcome page was shown for


class LocustTransport:
    """Locust's HTTP session (its timings become the statistics), with the client-side balancer."""

    def __init__(self, user: HttpUser, preferred: int) -> None:
        self.user, self.current = user, preferred % len(SERVERS)

    def send(self, method: str, path: str, data: dict | None = None, *, name: str = "") -> Reply:
        for _ in range(len(SERVERS)):
            response = self.user.client.request(method, SERVERS[self.current] + path, data=data, name=name,
                                                allow_redirects=False, timeout=60)
            error = getattr(response, "error", None)
            if not (response.status_code == 0 and error is not None):
                # The session and CSRF cookies are Secure: sent here over plain HTTP, as they would be over
                # the HTTPS a proxy ends (requests copies the jar per request, so a cookie policy is not kept).
                for cookie in self.user.client.cookies:
                    cookie.secure = False
                return Reply(response.status_code, response.headers.get("Location", ""), response.text)
            refused = "refused" in str(error).lower()
            _walks["failovers"] += 1
            self.current = (self.current + 1) % len(SERVERS)
            if method != "GET" and not refused:
                raise ServerGone(f"{method} {path}: {error}")
        raise ServerGone(f"{method} {path}: no server answers")


class Practitioner(HttpUser):
    host = SERVERS[0] if SERVERS else "http://127.0.0.1"
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        number = next(_numbers)
        self.transport = LocustTransport(self, preferred=number)
        self.username = f"load{number % USERS}"
        self.pairs = PATHS[(number // len(SERVERS or [0])) % len(PATHS)]  # both paths on every server
        if SESSIONS:
            with open(SESSIONS) as handle:
                for name, value in json.load(handle)[self.username].items():
                    self.client.cookies.set(name, value)
        else:
            sign_in(self.transport, self.username, PASSWORD)
        self.walker, self.url = None, ""

    @task
    def next_page(self) -> None:
        if self.walker is None or OUTCOME_URL.search(self.url):
            self.walker = Walker(self.transport, self.pairs, case_reference=new_case_reference(), flowchart=FLOWCHART)
            self.url = self.walker.start()
        else:
            self.url = self.walker.go_on(self.url, steps=1)
            if OUTCOME_URL.search(self.url):
                _walks["finished"].append(self.walker.public_id)
        # The list is shared by every user: record what this step acknowledged as soon as it is.
        while self.walker.acknowledged:
            _acknowledged.append(self.walker.acknowledged.pop(0))


@events.quitting.add_listener
def write_acknowledged(environment, **kwargs) -> None:
    if not ACKS_FILE:
        return
    with open(ACKS_FILE, "w") as out:
        json.dump({"acknowledged": [a.__dict__ for a in _acknowledged], **_walks}, out)
