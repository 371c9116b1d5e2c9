"""The library's filter form and the training question form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from isg.engine import Flowchart, Node, State
from isg.lib.forms import ErrorSummaryMixin

from .content import Library
from .filters import LibraryFilter, outcome_choices, search_words

MAX_SEARCH_LENGTH = 200
WRONG_QUESTION = (
    "That answer was for a different question from the one at this point of your training run, "
    "so it was not saved. Answer the question shown."
)


class LibraryFilterForm(forms.Form):
    """GET filters. Values the library does not know are dropped and listed in `ignored`, so a
    mistyped or out-of-date link still shows the library rather than an error."""

    q = forms.CharField(label="Search titles and text", required=False)
    subject = forms.MultipleChoiceField(label="Subject", required=False, widget=forms.CheckboxSelectMultiple)
    outcome = forms.MultipleChoiceField(label="Outcome", required=False, widget=forms.CheckboxSelectMultiple)
    theme = forms.ChoiceField(label="Theme", required=False)
    agency = forms.ChoiceField(label="Agency", required=False)
    node = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, library: Library, flowchart: Flowchart) -> None:
        self.flowchart = flowchart
        vocabulary = library.vocabulary
        known = {
            "subject": list(vocabulary.subjects.items()),
            "outcome": outcome_choices(library.cases, flowchart),
            "theme": sorted(vocabulary.themes.items(), key=lambda item: item[1]),
            "agency": sorted(vocabulary.agencies.items(), key=lambda item: item[1]),
        }
        self.ignored: list[str] = []
        super().__init__(self._known_only(data, known))
        for name, choices in known.items():
            blank = [] if name in ("subject", "outcome") else [("", f"Any {name}")]
            self.fields[name].choices = blank + choices

    def _known_only(self, data: QueryDict, known: dict[str, list[tuple[str, str]]]) -> QueryDict:
        """A copy of `data` without the values no filter offers, each noted in `ignored`."""
        clean = data.copy()
        for name, choices in known.items():
            ids = {choice for choice, _ in choices}
            values = [value for value in data.getlist(name) if value]
            for value in values:
                if value not in ids:
                    self.ignored.append(f"There is no {name} “{value[:40]}”, so that filter was ignored.")
            clean.setlist(name, [value for value in values if value in ids])
        node = data.get("node", "")
        if node and node not in self.flowchart.nodes:
            self.ignored.append(f"There is no flowchart question “{node[:40]}”, so that filter was ignored.")
            clean["node"] = ""
        clean["q"] = data.get("q", "")[:MAX_SEARCH_LENGTH]
        return clean

    def library_filter(self) -> LibraryFilter:
        """The filter to apply; call after `is_valid()`, which always succeeds once values are dropped."""
        data = self.cleaned_data
        node_id = data.get("node") or ""
        return LibraryFilter(
            subjects=frozenset(data.get("subject") or ()), outcomes=frozenset(data.get("outcome") or ()),
            theme=data.get("theme") or "", agency=data.get("agency") or "",
            words=search_words(data.get("q") or ""),
            node=self.flowchart.nodes[node_id] if node_id else None,
        )


class TrainingForm(ErrorSummaryMixin, forms.Form):
    """One flowchart question in training: the answer, and which question it answers."""

    first_radio_ids = {"answer": "answer", "node": "answer"}

    def __init__(self, *args: Any, node: Node, state: State, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node = node
        self.offered = node.offered_answers(state)
        self.fields["node"] = forms.CharField(widget=forms.HiddenInput, error_messages={"required": WRONG_QUESTION})
        self.fields["answer"] = forms.ChoiceField(
            label=node.question, choices=[(a.id, a.label) for a in self.offered], widget=forms.RadioSelect,
            error_messages={
                "required": "Select an answer",
                "invalid_choice": "Select one of the answers shown: that answer is not available here",
            },
        )

    def clean_node(self) -> str:
        node_id = self.cleaned_data["node"]
        if node_id != self.node.id:
            raise forms.ValidationError(WRONG_QUESTION)
        return node_id

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # An answer meant for another question says nothing about this one: report only the mix-up.
        if "node" in self.errors:
            self.errors.pop("answer", None)
        return data
