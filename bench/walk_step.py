"""Benchmark: answering a question under load, against a minimal signed-in page, as a ratio.

One run: gunicorn on 127.0.0.1 with a fresh database, 20 concurrent clients. Each client signs in
and alternates between the baseline (a signed-in page on the same base template with a constant
body) and answering the current question with htmx (one POST that returns the next question), so
both see the same load. It prints p50/p95 of each and their ratios, then the SQL queries one walk
step costs (the POST and the next question) at path lengths 3 and 25.

Goals (issue 2): ratio ≤ 1.5; ≤ 8 queries a step, the same at both lengths.
Usage: .venv/bin/python bench/walk_step.py [--clients 20] [--seconds 20] [--smoke]

The database is SQLite in a temporary folder, or, with DATABASE_URL naming a PostgreSQL server, a
database of its own there (isg_walk_bench, isg_walk_smoke for --smoke), dropped and made again.
--smoke: 2 clients for 4 seconds on 2 workers; exits 1 if a walk fails or nothing was measured.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import benchlib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PASSWORD = "bench-password-not-secret"
WALK = [
    ("start", "want_to_share"), ("emergency_check", "no"), ("purpose", "yes"), ("statutory_duty", "no_or_power_only"),
    ("identifiable", "yes"), ("consent_from_whom", "adult_18_plus"), ("confidential", "yes"),
    ("consent_safe_to_ask", "no_safe"), ("consent_practicable", "yes"), ("adult_capacity_doubt", "no"),
] + [("consent_outcome", "given"), ("consent_scope", "no")] * 8


START_TOKEN = re.compile(r'name="start_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def environment(workdir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "ISG_SECRET_KEY": secrets.token_urlsafe(32), "ISG_DEBUG": "0", "ISG_ALLOWED_HOSTS": HOST,
        "ISG_SECURE_SSL_REDIRECT": "0", "ISG_ROOT_URLCONF": "bench_urls", "ISG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]), "DJANGO_SETTINGS_MODULE": "isg.settings",
    })
    return env


class Client:
    """A signed-in browser, reduced to cookies, a CSRF token and one connection per request."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        data = None
        if body is not None:
            data = urlencode({**body, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({k: m.value for k, m in cookie.items()})
        connection.close()
        return response, text

    def sign_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        response, _ = self.request("POST", "/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status == 302, f"sign-in failed for {username}"


def answer_body(flowchart, node_id: str, answer: str, revision: str) -> dict:
    body = {"answer": answer, "rationale": "Benchmark reasons", "revision": revision}
    for spec in flowchart.node(node_id).fields:
        body[spec.id] = spec.choices[0].id if spec.choices else ("31/12/2099" if spec.type == "date" else "Benchmark text")
    return body


def client_loop(port: int, username: str, flowchart, until: float, baseline: list, steps: list, failures: list) -> None:
    try:
        walk_until(port, username, flowchart, until, baseline, steps, failures)
    except Exception as exc:  # a thread's exception would otherwise only be printed
        failures.append(f"{username}: {exc!r}")


def walk_until(port: int, username: str, flowchart, until: float, baseline: list, steps: list, failures: list) -> None:
    client = Client(port)
    started = time.monotonic()
    client.sign_in(username)
    # The clock starts once signed in: on a busy machine a password hash can take the whole smoke run.
    until += time.monotonic() - started
    htmx = {"HX-Request": "true"}
    while time.monotonic() < until:
        # The first page carries a one-time token: a double-posted start finds its draft instead of copying it.
        _, page = client.request("GET", "/decisions/new/")
        token = START_TOKEN.search(page)
        if not token:
            failures.append("start page: no start_token")
            return
        body = {"case_reference": "BENCH", "start_token": token.group(1), **answer_body(flowchart, *WALK[0], "")}
        response, page = client.request("POST", "/decisions/new/", body, htmx)
        location = re.search(r'"path": "([^"]+)"', response.headers.get("HX-Location", ""))
        if not location:
            failures.append(f"start: {response.status}")
            return
        response, page = client.request("GET", location.group(1), headers=htmx)
        for node_id, answer in WALK[1:]:
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            response, _ = client.request("GET", "/bench/baseline/")
            baseline.append(time.perf_counter() - started)
            url = re.search(r'hx-post="([^"]+)"', page).group(1)
            revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
            started = time.perf_counter()
            response, page = client.request("POST", url, answer_body(flowchart, node_id, answer, revision), htmx)
            steps.append(time.perf_counter() - started)
            if response.status != 200 or "HX-Push-Url" not in response.headers:
                failures.append(f"{node_id}: {response.status}")
                return


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def query_counts(env: dict[str, str]) -> str:
    """Queries for one step (POST + next question) at path lengths 3 and 25, in a separate process."""
    code = r'''
import django, re
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from isg.accounts.models import User
from isg.flowchart.services import current_flowchart
import walk_step as bench
flowchart = current_flowchart()
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(username="bench-queries"))
def go(pairs):
    token = bench.START_TOKEN.search(client.get("/decisions/new/").content.decode()).group(1)
    client.post("/decisions/new/", {"case_reference": "Q", "start_token": token,
                                    **bench.answer_body(flowchart, *bench.WALK[0], "")})
    from isg.decisions.models import Decision
    decision = Decision.objects.filter(owner__username="bench-queries").latest("id")
    for node_id, answer in pairs:
        decision.refresh_from_db()
        url = f"/decisions/{decision.public_id}/steps/{len(decision.path)}/{node_id}/"
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, bench.answer_body(flowchart, node_id, answer, str(decision.revision)))
            client.get(response["Location"])
        sql = [q["sql"].split()[0] for q in captured.captured_queries]
        yield len(decision.path), (sum(w in ("SELECT", "INSERT", "UPDATE", "DELETE") for w in sql), len(sql))
counts = dict(go(bench.WALK[1:26]))
for length in (3, 25):
    data, total = counts[length]
    print(f"queries per walk step at path length {length}: {data} (plus {total - data} transaction statements)")
print("goal: at most 8 a step, the same at both lengths")
'''
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    benchlib.check(result.returncode == 0, f"the query count failed:\n{result.stderr.strip()[-2000:]}")
    return result.stdout.strip()


def wait_ready(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    """Until a worker answers /healthz: gunicorn listens before its workers have loaded Django."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        benchlib.check(server.poll() is None, f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise benchlib.SmokeFailed(f"gunicorn did not answer /healthz within {timeout:.0f} s")


def database_url(workdir: Path, smoke: bool) -> str:
    server = benchlib.postgres_url()
    if server is None:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    return benchlib.fresh_postgres(benchlib.database_named(server, "isg_walk_smoke" if smoke else "isg_walk_bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--smoke", action="store_true", help="a few seconds, 2 clients: does it still run?")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds, args.workers = 2, 4, 2
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp), database_url(Path(tmp), args.smoke))
        python = sys.executable
        manage = [python, str(ROOT / "manage.py")]
        from tests.scaleout.servers import collect_static

        collect_static(env)  # as `make serve` does; skipped while the collected files are up to date
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        names = [f"bench{i}" for i in range(args.clients)] + ["bench-queries"]
        create = (
            "from isg.accounts.models import User\n"
            f"for name in {names!r}:\n"
            f"    User.objects.create_user(name, password={PASSWORD!r}, role='practitioner')\n"
        )
        subprocess.run([*manage, "shell", "-v0", "-c", create], env=env, check=True, cwd=ROOT)
        sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
        from isg.engine import load_flowchart

        flowchart = load_flowchart(ROOT / "flowchart" / "information-sharing.yaml")
        port = free_port()
        server = subprocess.Popen(
            [str(Path(python).with_name("gunicorn")), "isg.wsgi", "-b", f"{HOST}:{port}", "-w", str(args.workers),
             "--log-level", "warning", "--control-socket", str(Path(tmp) / "gunicorn.ctl")],
            env=env, cwd=ROOT,
        )
        try:
            wait_ready(port, server)
            baseline, steps, failures = [], [], []
            until = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=client_loop, args=(port, f"bench{i}", flowchart, until, baseline, steps, failures))
                for i in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            server.terminate()
            server.wait(timeout=10)
        print(f"gunicorn {args.workers} sync workers, {args.clients} concurrent clients, {args.seconds:.0f} s, {env['DATABASE_URL'].split(':')[0]}")
        benchlib.check(not failures, f"{len(failures)} walks failed, first: {failures[:1]}")
        benchlib.check(len(baseline) >= 2 and len(steps) >= 2,
                       f"too few samples to measure: {len(baseline)} baseline, {len(steps)} steps")
        print(f"baseline page: {len(baseline)} requests, p50 {percentile(baseline, 50):.1f} ms, p95 {percentile(baseline, 95):.1f} ms")
        print(f"walk step:     {len(steps)} answers,  p50 {percentile(steps, 50):.1f} ms, p95 {percentile(steps, 95):.1f} ms")
        print(f"ratio (step / baseline): p50 {percentile(steps, 50) / percentile(baseline, 50):.2f}, "
              f"p95 {percentile(steps, 95) / percentile(baseline, 95):.2f} (goal: at most 1.5)")
        print(query_counts(env))


if __name__ == "__main__":
    main()
