"""Reading a PDF back as a person (its text, page by page) and as a program (structure, attachments)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import pikepdf


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text as poppler's pdftotext reads it, whitespace squeezed."""
    assert shutil.which("pdftotext"), "apt-get install poppler-utils (make test installs it)"
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    pages = result.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [squeeze(page) for page in pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def open_pdf(pdf: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(pdf))


def attachment(pdf: bytes, name: str) -> bytes:
    with open_pdf(pdf) as document:
        assert name in document.attachments, list(document.attachments)
        return document.attachments[name].get_file().read_bytes()


def attached_json(pdf: bytes, name: str = "decision-record.json"):
    return json.loads(attachment(pdf, name).decode("utf-8"))
