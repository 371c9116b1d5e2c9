"""The question form against the 1.1 field rules: conditional reveals, confirmations, required_if, optional marks."""

from django.template.loader import render_to_string

from isg.decisions.forms import QuestionForm, stored_values
from isg.engine.model import Answer, Choice, Field, Node, frozen

NODE = Node(
    id="inform_person",
    question="Will you tell the person what you shared?",
    hint="Tell them unless that increases the risk.",
    answers=(
        Answer(id="will_inform", label="Yes", next="record"),
        Answer(id="not_informing", label="No", next="record"),
        Answer(id="no_one_identifiable", label="No one can be identified", next="record"),
    ),
    fields=(
        Field(id="who_tells", label="Who will tell them, and when", type="text", shown_for=frozenset({"will_inform"}),
              required_for=frozenset({"will_inform"})),
        Field(id="reason", label="Why you will not tell them", type="choice", shown_for=frozenset({"not_informing"}),
              required_for=frozenset({"not_informing"}),
              choices=(Choice("increases_risk", "It would increase the risk"), Choice("other", "Another reason"))),
        Field(id="other_reason", label="Name who agreed the other reason", type="text",
              shown_for=frozenset({"not_informing"}), required_if=frozen({"reason": "other"})),
        Field(id="reconsider_on", label="When you will reconsider telling them", type="date",
              shown_for=frozenset({"not_informing"}), required_for=frozenset({"not_informing"})),
        Field(id="accurate", label="I confirm the information is accurate and up to date", type="confirm", required=True),
        Field(id="notes", label="Anything else", type="textarea"),
    ),
)


def form(data=None):
    return QuestionForm(data, node=NODE, state={})


def test_fields_shown_for_one_answer_are_revealed_under_it():
    revealed = form().revealed
    assert [row.spec.id for row in revealed["will_inform"]] == ["who_tells"]
    assert [row.spec.id for row in revealed["not_informing"]] == ["reason", "other_reason", "reconsider_on"]
    assert "no_one_identifiable" not in revealed
    assert [row.spec.id for row in form().extra_fields] == ["accurate", "notes"]


def test_optional_fields_are_marked_and_required_ones_are_not():
    rows = {row.spec.id: row for row in form().page_fields}
    assert rows["notes"].optional
    assert not rows["who_tells"].optional and not rows["accurate"].optional
    assert not rows["other_reason"].optional  # required when another field says so, and the note says when
    assert rows["other_reason"].note == "Needed if you choose “Another reason”."


def test_values_of_fields_not_shown_for_the_chosen_answer_are_discarded():
    f = form({"answer": "will_inform", "who_tells": "Me, tomorrow", "reason": "increases_risk", "reconsider_on": "not a date",
              "accurate": "yes", "rationale": "r"})
    assert f.is_valid(), f.errors
    assert f.step_fields() == {"who_tells": "Me, tomorrow", "accurate": "yes"}


def test_a_field_shown_for_the_answer_is_required_for_it():
    f = form({"answer": "not_informing", "accurate": "yes"})
    assert not f.is_valid()
    assert set(f.errors) == {"reason", "reconsider_on"}
    assert f.errors["reason"] == ["Select why you will not tell them"]


def test_required_if_follows_the_other_fields_value():
    base = {"answer": "not_informing", "accurate": "yes", "reconsider_on": "1 1 2099"}
    assert form({**base, "reason": "increases_risk"}).is_valid()
    f = form({**base, "reason": "other"})
    assert not f.is_valid() and list(f.errors) == ["other_reason"]
    assert form({**base, "reason": "other", "other_reason": "Our DPO, Ann Lee"}).is_valid()


def test_a_confirm_field_must_be_ticked_and_is_stored_as_yes():
    f = form({"answer": "no_one_identifiable"})
    assert not f.is_valid()
    assert f.errors["accurate"] == ["Confirm the information is accurate and up to date"]
    f = form({"answer": "no_one_identifiable", "accurate": "yes"})
    assert f.is_valid()
    assert stored_values(f.cleaned_data, NODE.fields) == {"accurate": "yes"}


def test_the_page_renders_reveals_under_their_radios_visible_without_javascript():
    f = form()
    html = render_to_string("components/answer_radios.html", {"answers": f.offered, "selected": None, "revealed": f.revealed})
    assert 'data-aria-controls="conditional-answer-will_inform"' in html
    reveal = html.split('id="conditional-answer-not_informing"')[1]
    assert 'name="reason"' in reveal and 'name="reconsider_on"' in reveal
    # Hidden only by GOV.UK Frontend's JavaScript-only class: without JavaScript the fields show.
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden" id="conditional-answer-not_informing"' in html
    assert "For example, " in reveal  # the date's format, before anything is typed
    single = render_to_string("components/field.html", {"field": f["accurate"]})
    assert 'type="checkbox"' in single and 'class="govuk-checkboxes__input"' in single
    optional = render_to_string("components/field.html", {"field": f["notes"], "optional": True})
    assert "Anything else (optional)</label>" in optional


def test_a_chosen_answer_shows_its_reveal_open():
    f = form({"answer": "not_informing"})
    f.is_valid()
    html = render_to_string("components/answer_radios.html", {"answers": f.offered, "selected": "not_informing", "revealed": f.revealed})
    assert 'class="govuk-radios__conditional" id="conditional-answer-not_informing"' in html
