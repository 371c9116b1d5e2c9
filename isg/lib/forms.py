"""Form helpers for GOV.UK error summaries."""

from __future__ import annotations


class ErrorSummaryMixin:
    """`error_links`: each error with the id of the field it belongs to, in page order."""

    first_radio_ids: dict[str, str] = {"answer": "answer"}

    @property
    def error_links(self) -> list[tuple[str, str]]:
        links = []
        for name in self.fields:
            for error in self.errors.get(name, []):
                links.append((error, f"#{self.first_radio_ids.get(name) or self[name].auto_id}"))
        for error in self.non_field_errors():
            links.append((error, "#main-content"))
        return links
