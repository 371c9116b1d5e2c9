"""Nothing in a record can make the renderer read a local file or call out (reliability.md IN-8)."""

from __future__ import annotations

import socket

import pytest
from weasyprint import HTML

from isg.decisions.models import Amendment, Decision
from isg.flowchart.diagram import render_svg
from isg.flowchart.services import current_flowchart
from isg.records import pdf as pdf_module
from isg.records.fetcher import STATIC_ORIGIN, RefusedURL, StaticOnlyFetcher, static_base_url, static_file
from isg.records.pdf import render_decision_pdf, render_html

from .reading import open_pdf, pages_text, squeeze

PASSWD_MARKER = "root:x:0:0"
PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<link rel=stylesheet href="http://127.0.0.1:9/x.css">',
    "<style>body { background: url(file:///etc/passwd) }</style>",
    '<img src="http://169.254.169.254/latest/meta-data/">',
    '<link rel="attachment" href="file:///etc/passwd">',
    "<script>alert(1)</script> {{7*7}} javascript:alert(1)",  # reliability.md IN-2's payloads
]


class SpyFetcher(StaticOnlyFetcher):
    """The real fetcher, remembering what it served and what it refused."""

    instances: list[SpyFetcher] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.served: list[str] = []
        self.refused: list[str] = []
        SpyFetcher.instances.append(self)

    def fetch(self, url, headers=None):
        try:
            response = super().fetch(url, headers)
        except RefusedURL:
            self.refused.append(url)
            raise
        self.served.append(url)
        return response


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test loudly instead of leaving the machine."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network use in a PDF test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def spy(monkeypatch):
    SpyFetcher.instances = []
    monkeypatch.setattr(pdf_module, "StaticOnlyFetcher", SpyFetcher)
    return SpyFetcher.instances


@pytest.mark.django_db
def test_hostile_free_text_is_printed_as_text_and_nothing_outside_static_is_fetched(recorded, owner, spy, no_network):
    hostile = " ".join(PAYLOADS)
    path = [dict(step) for step in recorded.path]
    path[0]["fields"] = {**path[0].get("fields", {}), "summary": f"Summary {hostile}"}
    for step in path:
        step["rationale"] = f"Reason {hostile}"
    Decision.objects.filter(pk=recorded.pk).update(path=path, case_reference="CASE-<b>9</b>")
    Amendment.objects.create(decision=recorded, author=owner, reason=f"Why {hostile}", text=f"Fix {hostile}")
    recorded.refresh_from_db()

    html, _ = render_html(recorded, exported_by=owner)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html and "<style>body" not in html

    pdf = render_decision_pdf(recorded, exported_by=owner).pdf
    (fetcher,) = spy
    assert fetcher.refused == []  # nothing hostile ever reached the renderer as markup
    assert fetcher.served and all(url.startswith(f"{STATIC_ORIGIN}/static/") for url in fetcher.served)
    assert no_network == []
    text = " ".join(pages_text(pdf))
    assert PASSWD_MARKER not in text
    for payload in PAYLOADS:
        assert squeeze(payload) in text  # shown as the practitioner typed it
    assert "CASE-<b>9</b>" in text
    with open_pdf(pdf) as document:
        assert list(document.attachments) == ["decision-record.json"]


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://127.0.0.1:9/x.css",
    "https://169.254.169.254/latest/meta-data/",
    "data:text/css,body{background:url(file:///etc/passwd)}",
    "ftp://example.org/x.css",
    "https://example.org/static/css/record-print.css",
    "http://isg-static.invalid/static/css/record-print.css",
    "https://isg-static.invalid/etc/passwd",
    "https://isg-static.invalid/static/../../etc/passwd",
    "https://isg-static.invalid/static/%2e%2e/%2e%2e/etc/passwd",
    "https://isg-static.invalid/static/css/..%2F..%2F..%2Fisg%2Fsettings.py",
    "https://isg-static.invalid/static//etc/passwd",
    "https://isg-static.invalid/static/css/record-print.css?x=1",
    "https://user@isg-static.invalid/static/css/record-print.css",
    "https://isg-static.invalid/static/js/init-govuk.mjs",
    "https://isg-static.invalid/static/css/no-such-file.css",
])
def test_the_fetcher_refuses_everything_but_the_apps_static_files(url, no_network):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert no_network == []


def test_the_fetcher_serves_the_records_stylesheet():
    response = StaticOnlyFetcher().fetch(f"{static_base_url()}css/record-print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    path, _ = static_file(f"{static_base_url()}css/record-print.css")
    assert path.name == "record-print.css"


def test_weasyprint_given_hostile_markup_directly_loads_none_of_it(no_network):
    """The second lock on its own: raw markup straight into WeasyPrint with the app's fetcher."""
    fetcher = StaticOnlyFetcher()
    html = f'<!DOCTYPE html><html lang="en-GB"><head><title>t</title>{PAYLOADS[1]}{PAYLOADS[4]}{PAYLOADS[2]}</head>' \
           f"<body><p>Still rendered</p>{PAYLOADS[0]}{PAYLOADS[3]}</body></html>"
    pdf = HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")
    assert "Still rendered" in " ".join(pages_text(pdf))
    assert set(fetcher.requested) == {
        "file:///etc/passwd", "http://127.0.0.1:9/x.css", "http://169.254.169.254/latest/meta-data/",
    }  # each asked for, each refused: no attachment, no image, no stylesheet
    assert PASSWD_MARKER.encode() not in pdf
    with open_pdf(pdf) as document:
        assert len(document.attachments) == 0
    assert no_network == []


def test_loading_weasyprint_leaves_the_flowchart_diagram_as_plain_svg():
    """WeasyPrint's import re-registers ElementTree's "" prefix; the diagram must still be <svg>."""
    svg = render_svg(current_flowchart(), None, id_prefix="records-namespace-check")
    assert svg.startswith("<svg ") and "ns0:" not in svg
