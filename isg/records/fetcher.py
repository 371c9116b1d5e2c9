"""The only way WeasyPrint may load anything while it renders a decision record.

WeasyPrint fetches every URL a document names (stylesheets, images, fonts, attachments), `file://`
ones included, unless it is given a restrictive fetcher: with user text in the document that is a
local-file-read and SSRF risk (reliability.md IN-8). Free text is autoescaped, so it never becomes
markup; this fetcher is the second lock. It serves exactly two things:

- the app's own static files, named by `{% static %}` under STATIC_ORIGIN (a reserved `.invalid`
  host that cannot resolve, so even a fall-through could not reach the network), found through
  the staticfiles finders or the collected STATIC_ROOT, with a few known file types;
- resources the renderer generated itself and registered by exact URL (`generated`).

Everything else (file:, http(s): elsewhere, data:, ftp:, path tricks) raises RefusedURL, which
WeasyPrint reports as a warning and renders without the resource. `requested` lists every URL it
was asked for, in order, for the log and the tests.

A static file's bytes are read once per process (and again only when the file changes): every
record asks for the same few.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import ssl
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

from isg.flowchart.diagram import SVG_NS

logger = logging.getLogger(__name__)

# Importing WeasyPrint (its pdf.metadata module) registers the prefix "" for "no namespace" in
# ElementTree's global map, which drops isg.flowchart.diagram's registration of "" for SVG: the
# diagram would then be serialised as `<ns0:svg>`, which neither WeasyPrint nor a browser draws
# (the How it works page included). Every path into WeasyPrint in this app passes here first.
ET.register_namespace("", SVG_NS)

STATIC_HOST = "isg-static.invalid"
STATIC_ORIGIN = f"https://{STATIC_HOST}"
MAX_BYTES = 5 * 1024 * 1024
CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class RefusedURL(ValueError):
    """A URL outside the allowlist: never opened."""


def static_base_url() -> str:
    """The base URL the record's HTML is rendered against: `{% static %}` paths resolve under it."""
    return f"{STATIC_ORIGIN}{settings.STATIC_URL}"


@functools.cache
def _unused_ssl_context() -> ssl.SSLContext:
    """The parent opener's HTTPS handler wants a context and makes one (about 20 ms: it loads the
    system's certificates) unless given one. This fetcher never opens a connection; one will do."""
    return ssl.create_default_context()


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, generated: dict[str, tuple[bytes, str]] | None = None) -> None:
        # No protocol is allowed to the parent's opener: if anything ever reached it, it refuses.
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False,
                         ssl_context=_unused_ssl_context())
        self.generated = dict(generated or {})
        self.requested: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        self.requested.append(url)
        if url in self.generated:
            body, content_type = self.generated[url]
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        try:
            path, content_type = static_file(url)
        except RefusedURL:
            logger.warning("PDF renderer refused a URL: %.200r", url)
            raise
        return URLFetcherResponse(url, _read(path, *_stamp(path)), {"Content-Type": content_type})


def static_version(url: str) -> tuple[str, int, int]:
    """Which file a static URL names, and its change time and size: to know when to read it again.
    Raises RefusedURL like the fetcher."""
    path, _ = static_file(url)
    return (str(path), *_stamp(path))


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int, size: int) -> bytes:
    return path.read_bytes()


def static_file(url: str) -> tuple[Path, str]:
    """The file a static URL names and its content type; RefusedURL for anything else."""
    parts = urlsplit(url)
    prefix = settings.STATIC_URL
    if parts.scheme != "https" or parts.netloc != STATIC_HOST or parts.query or not parts.path.startswith(prefix):
        raise RefusedURL(f"not one of the app's static files: {url[:200]}")
    name = unquote(parts.path[len(prefix):])
    if (not name or "\\" in name or "\x00" in name or name.startswith("/")
            or any(part in ("", ".", "..") for part in name.split("/"))
            or posixpath.normpath(name) != name):
        raise RefusedURL(f"not a plain static path: {url[:200]}")
    content_type = CONTENT_TYPES.get(Path(name).suffix.lower())
    if content_type is None:
        raise RefusedURL(f"not a static file type the record uses: {url[:200]}")
    path = _locate(name)
    if path is None:
        raise RefusedURL(f"no such static file: {name[:200]}")
    if path.stat().st_size > MAX_BYTES:
        raise RefusedURL(f"static file too large for a record: {name[:200]}")
    return path, content_type


def _locate(name: str) -> Path | None:
    """The finders first (source files, unhashed names), then the collected files (hashed names)."""
    found = finders.find(name)
    if found:
        return Path(found).resolve()
    root = Path(settings.STATIC_ROOT).resolve() if settings.STATIC_ROOT else None
    if root is None:
        return None
    try:
        candidate = Path(staticfiles_storage.path(name)).resolve()
    except (NotImplementedError, ValueError, OSError):
        return None
    if candidate.is_file() and candidate.is_relative_to(root):
        return candidate
    return None
