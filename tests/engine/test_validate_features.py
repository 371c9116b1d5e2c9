"""Every new class of error in the 1.1 format is reported with the file, the line and a reason."""

from pathlib import Path

import pytest

from isg.engine import FlowchartError, parse_flowchart

FEATURES = (Path(__file__).parent / "samples" / "features.yaml").read_text()
MINIMAL = (Path(__file__).parent / "samples" / "minimal.yaml").read_text()


def problems_for(text: str) -> list[str]:
    with pytest.raises(FlowchartError) as caught:
        parse_flowchart(text.encode(), "broken.yaml")
    return [str(p) for p in caught.value.problems]


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    return [i for i, line in enumerate(text.splitlines(), 1) if fragment in line][nth]


def broken(old: str, new: str, base: str = FEATURES) -> str:
    assert base.count(old) == 1, old
    return base.replace(old, new, 1)


def reported(text: str, fragment: str, reason: str) -> None:
    expected = f"broken.yaml:{line_of(text, fragment)}: {reason}"
    problems = problems_for(text)
    assert expected in problems, "\n".join(problems)


def test_the_features_sample_is_valid():
    chart = parse_flowchart(FEATURES.encode(), "features.yaml")
    assert chart.version == "test-1.1"


# -- conditions -----------------------------------------------------------------------------------


def test_unknown_value_in_a_list_condition():
    text = broken("only_when: {capacity: [presumed, has]}", "only_when: {capacity: [presumed, maybe]}")
    reported(text, "capacity: [presumed, maybe]",
             "`only_when` of answer 'refused' of node 'consent': 'maybe' is not a value of 'capacity' (allowed: presumed, has, lacks)")


def test_unknown_value_in_a_block_list_names_the_item_line():
    text = broken("only_when: {capacity: [presumed, has]}", "only_when:\n          capacity:\n            - presumed\n            - unsure")
    reported(text, "- unsure",
             "`only_when` of answer 'refused' of node 'consent': 'unsure' is not a value of 'capacity' (allowed: presumed, has, lacks)")


def test_empty_value_list_is_rejected():
    text = broken("unless: {consent_status: [unable, refused]}", "unless: {consent_status: []}")
    reported(text, "consent_status: []", "`unless` of answer 'some' of node 'share_what': the list of values for 'consent_status' is empty")


def test_unknown_variable_in_only_when():
    text = broken("only_when: {capacity: [presumed, has]}", "only_when: {mood: [calm]}")
    reported(text, "mood: [calm]", "`only_when` of answer 'refused' of node 'consent' uses the unknown variable 'mood'")


def test_unknown_value_in_an_outcome_when_list():
    text = broken("when: {consent_status: [unable]}", "when: {consent_status: [unable, bored]}")
    reported(text, "bored", "`when` of item 1 of `lawful_basis` of outcome 'outcome_share': 'bored' is not a value of 'consent_status' (allowed: given, refused, unable)")


def test_unknown_value_in_a_field_required_when_list():
    text = broken("required_when: {review_required: [true]}", "required_when: {review_required: [true, maybe]}")
    reported(text, "maybe", "`required_when` of field 'review_date' of node 'record': 'review_required' is a boolean variable, so str 'maybe' is not a value")


def test_set_takes_one_value_not_a_list():
    text = broken("set: {capacity: has}", "set: {capacity: [has, lacks]}")
    reported(text, "capacity: [has, lacks]", "`set` of answer 'regained' of node 'mca_support': 'capacity' takes one value, not a list")


# -- conditional routes ---------------------------------------------------------------------------


def test_unknown_variable_in_a_case_when():
    text = broken("          - when: {capacity: presumed}", "          - when: {ability: presumed}")
    reported(text, "ability: presumed", "`when` of case 1 of `next` of answer 'unable' of node 'consent' uses the unknown variable 'ability'")


def test_unknown_value_in_a_case_when():
    text = broken("          - when: {capacity: presumed}", "          - when: {capacity: [presumed, unclear]}")
    reported(text, "unclear", "`when` of case 1 of `next` of answer 'unable' of node 'consent': 'unclear' is not a value of 'capacity' (allowed: presumed, has, lacks)")


def test_a_case_other_than_the_last_needs_when():
    text = broken("          - when: {capacity: presumed}\n            next: mca_support", "          - next: mca_support")
    reported(text, "- next: mca_support", "case 1 of `next` of answer 'unable' of node 'consent' needs `when`: only the last case may leave it out")


def test_the_last_case_must_not_have_when():
    text = broken("          - next: share_what\n", "          - next: share_what\n            when: {capacity: lacks}\n")
    reported(text, "when: {capacity: lacks}", "the last case of `next` of answer 'unable' of node 'consent' must not have `when`: it is the route taken otherwise")


def test_a_case_must_lead_to_a_node():
    text = broken("            next: mca_support", "            next: mca_elsewhere")
    reported(text, "next: mca_elsewhere", "answer 'unable' of 'consent' leads to 'mca_elsewhere', which is not a node")


def test_return_in_a_case_is_allowed_only_at_seek_advice():
    text = broken("            next: mca_support", '            next: "@return"')
    reported(text, '"@return"', "'@return' is only allowed on the answers of seek_advice")


def test_an_empty_case_list_is_rejected():
    text = broken("        next:\n          - when: {capacity: presumed}\n            next: mca_support\n            set: {capacity: presumed}\n"
                  "          - next: share_what\n            set: {decision: share}\n", "        next: []\n")
    reported(text, "next: []", "`next` of answer 'unable' of node 'consent' has no cases: give a node id or at least one case")


def test_unknown_key_in_a_case():
    text = broken("            set: {capacity: presumed}", "            set: {capacity: presumed}\n            goto: record")
    reported(text, "goto: record", "unknown key 'goto' in case 1 of `next` of answer 'unable' of node 'consent' (allowed: next, set, when)")


def test_unknown_value_in_a_case_set():
    text = broken("            set: {capacity: presumed}", "            set: {capacity: probably}")
    reported(text, "capacity: probably", "`set` of case 1 of `next` of answer 'unable' of node 'consent': 'probably' is not a value of 'capacity' (allowed: presumed, has, lacks)")


def test_a_case_counts_as_an_edge_for_reachability():
    # mca_support is reached only through case 1: without it the node is unreachable.
    text = broken("            next: mca_support", "            next: record")
    reported(text, "  - id: mca_support", "node 'mca_support' cannot be reached from 'start'")


def test_a_case_counts_as_an_edge_for_reaching_record():
    text = broken("          - next: share_what\n            set: {decision: share}", "          - next: consent")
    text = text.replace("      - {id: still_unable, label: \"They still cannot\", next: share_what, set: {decision: share, review_required: true}}\n", "")
    text = text.replace("question: \"Have you helped them to decide?\"", "question: \"Have you helped them to decide?\"\n    not_sure: false")
    text = text.replace("question: \"Did they agree?\"", "question: \"Did they agree?\"\n    not_sure: false")
    text = text.replace("question:\n      - when: {direction: request}", "not_sure: false\n    question:\n      - when: {direction: request}")
    # consent still reaches record through `given` and `refused`, so only a true dead end is reported.
    assert not any("no answer path leads from node 'consent'" in p for p in problems_for(text))


def test_the_outcome_search_follows_the_route_the_state_chooses():
    # Were the route `when` ignored, outcome_best_interests (only via mca_support) would look unreachable.
    text = broken("          - when: {capacity: presumed}", "          - when: {capacity: has}")
    reported(text, "  - id: outcome_best_interests", "outcome 'outcome_best_interests' can never be reached: an earlier rule or the graph always prevents it")


def test_a_variable_read_only_by_only_when_is_tracked():
    # `mood` is read by nothing but `only_when`; the outcome behind it is still proved reachable.
    text = MINIMAL.replace("  unresolved: boolean", "  unresolved: boolean\n  mood: [calm, rushed]")
    text = text.replace('{id: go, label: "Go", next: confidential}',
                        '{id: go, label: "Go", next: confidential}\n      - {id: rush, label: "Rush", next: confidential, set: {mood: rushed}}')
    text = text.replace('      - {id: all, label: "All of it", next: record}',
                        '      - {id: all, label: "All of it", next: record}\n'
                        '      - {id: quick, label: "Quick", next: record, only_when: {mood: rushed}, set: {unresolved: true}}')
    text = text.replace("  - {id: outcome_advice, title: \"Advice\", when: {unresolved: true}}",
                        "  - {id: outcome_advice, title: \"Advice\", when: {unresolved: true}}")
    chart = parse_flowchart(text.encode(), "mood.yaml")
    assert chart.node("share_what").answer("quick").only_when == {"mood": "rushed"}
    # And a variable that nothing sets makes the answer dead, so the node can offer nothing.
    stuck = text.replace('      - {id: all, label: "All of it", next: record}\n', "").replace(
        'question: "What will you share?"', 'question: "What will you share?"\n    not_sure: false')
    stuck = stuck.replace("set: {mood: rushed}}", "}")
    problems = problems_for(stuck)
    assert any(p.startswith(f"broken.yaml:{line_of(stuck, '- id: share_what')}: node 'share_what' offers no answer when the state is")
               for p in problems), problems


# -- text variants and text lists -----------------------------------------------------------------


def test_the_last_variant_must_not_have_when():
    text = broken('      - text: "Can the person agree to you sharing?"',
                  '      - text: "Can the person agree to you sharing?"\n        when: {direction: give}')
    reported(text, "when: {direction: give}",
             "the last variant of `question` of node 'capacity_check' must not have `when`: it is the text shown otherwise")


def test_a_variant_before_the_last_needs_when():
    text = broken("      - when: {direction: request}\n        text: \"Can the person agree to you asking?\"",
                  "      - text: \"Can the person agree to you asking?\"")
    reported(text, "Can the person agree to you asking?",
             "variant 1 of `question` of node 'capacity_check' needs `when`: only the last variant may leave it out")


def test_an_empty_variant_list_is_rejected():
    text = broken('    hint: "Assume they can unless there is a reason to doubt it."', "    hint: []")
    reported(text, "hint: []", "`hint` of node 'capacity_check' has no variants: give at least one text")


def test_unknown_variable_in_a_variant_when():
    text = broken("      - when: {consent_status: refused}\n        text: \"They refused.\"",
                  "      - when: {feeling: refused}\n        text: \"They refused.\"")
    reported(text, "feeling: refused", "`when` of variant 1 of `summary` of outcome 'outcome_no' uses the unknown variable 'feeling'")


def test_unknown_key_in_a_variant():
    text = broken("        text: \"Do not request\"", "        text: \"Do not request\"\n        colour: red")
    reported(text, "colour: red", "unknown key 'colour' in variant 1 of `title` of outcome 'outcome_no' (allowed: tags, text, when)")


def test_unknown_value_in_a_text_item_when():
    text = broken("  - when: {direction: request}\n    text: \"Record what you received.\"",
                  "  - when: {direction: sideways}\n    text: \"Record what you received.\"")
    reported(text, "direction: sideways", "`when` of item 2 of `after_sharing` of the flowchart: 'sideways' is not a value of 'direction' (allowed: give, request)")


def test_unknown_key_in_a_text_item():
    text = broken("        text: \"Tell them they can change their mind.\"", "        txt: \"Tell them they can change their mind.\"")
    problems = problems_for(text)
    line = line_of(text, "txt:")
    assert f"broken.yaml:{line}: unknown key 'txt' in item 2 of `what_to_do` of outcome 'outcome_no' (allowed: tags, text, when)" in problems


def test_a_text_item_must_be_text_or_a_mapping():
    text = broken("      - \"What was shared.\"", "      - 42")
    reported(text, "      - 42", "each item of `record_must_contain` in outcome 'outcome_share' must be text or {when, text}, not the number 42 (YAML reads bare values such as 16_17 as numbers: quote it)")


def test_shares_must_be_a_flag():
    text = broken("    shares: true\n    title:", "    shares: sometimes\n    title:")
    reported(text, "shares: sometimes", "`shares` of outcome 'outcome_share' must be true or false, not str 'sometimes'")


def test_reminder_must_be_text():
    text = broken('reminder: "This record does not replace a referral to social care."', "reminder: [1, 2]")
    reported(text, "reminder: [1, 2]", "`reminder` of the flowchart must be text, not a list")


# -- glossary ---------------------------------------------------------------------------------------


def test_duplicate_glossary_id():
    text = broken("  - id: marac", "  - id: best_interests")
    second = line_of(text, "- id: best_interests", 1)
    assert f"broken.yaml:{second}: duplicate glossary id 'best_interests' (first on line 11)" in problems_for(text)


def test_duplicate_glossary_term_case_insensitively():
    text = broken('    term: "MARAC"', '    term: "best INTERESTS"')
    reported(text, 'term: "best INTERESTS"', "glossary entry 'marac': the term or alias 'best INTERESTS' is already used on line 12")


def test_an_alias_may_not_repeat_another_term():
    text = broken('    definition: "A multi-agency risk assessment conference."',
                  '    definition: "A multi-agency risk assessment conference."\n    aliases: ["Best-interests  decision"]')
    reported(text, 'aliases: ["Best-interests  decision"]',
             "glossary entry 'marac': the term or alias 'Best-interests  decision' is already used on line 14")


def test_glossary_entry_keys_and_ids():
    text = broken("  - id: marac\n", "  - id: Marac\n    see_also: x\n")
    problems = problems_for(text)
    assert f"broken.yaml:{line_of(text, 'see_also')}: unknown key 'see_also' in a glossary entry (allowed: aliases, definition, id, sources, term)" in problems
    assert f"broken.yaml:{line_of(text, 'id: Marac')}: 'Marac' is not a valid id (lower-case letters, digits and _)" in problems


def test_glossary_entry_needs_a_definition():
    text = broken('    definition: "A multi-agency risk assessment conference."\n', "")
    reported(text, "  - id: marac", "a glossary entry is missing `definition`")


# -- fields -----------------------------------------------------------------------------------------


def test_shown_for_must_name_an_answer():
    text = broken("shown_for: [all, some]\n        choices:", "shown_for: [all, every]\n        choices:")
    reported(text, "shown_for: [all, every]", "field 'basis' of node 'share_what': `shown_for` names 'every', which is not an answer of node 'share_what'")


def test_required_for_must_be_among_shown_for():
    text = broken("        label: \"Name it\"\n        shown_for: [all, some]", "        required_for: [all]\n        label: \"Name it\"\n        shown_for: [some]")
    line = line_of(text, "required_for: [all]", 1)
    assert f"broken.yaml:{line}: field 'basis_other' of node 'share_what': `required_for` names 'all', but the field is not shown for it" in problems_for(text)


def test_required_if_must_name_another_field():
    text = broken("required_if: {basis: other}", "required_if: {basis_kind: other}")
    reported(text, "basis_kind: other", "field 'basis_other' of node 'share_what': `required_if` names 'basis_kind', which is not another field of node 'share_what'")


def test_required_if_value_must_be_a_choice():
    text = broken("required_if: {basis: other}", "required_if: {basis: [other, custom]}")
    reported(text, "basis: [other, custom]",
             "field 'basis_other' of node 'share_what': `required_if`: str 'custom' is not a choice of field 'basis' (choices: law, other)")


def test_required_if_on_a_confirm_box_takes_a_boolean():
    text = broken("required_if: {accurate: true}", "required_if: {accurate: \"ticked\"}")
    reported(text, "accurate: \"ticked\"",
             "field 'checked_by' of node 'share_what': `required_if`: field 'accurate' is a `confirm` box, so the value must be true or false, not str 'ticked'")


def test_confirm_takes_no_choices():
    text = broken("        type: confirm\n", "        type: confirm\n        choices: [{id: a, label: A}]\n")
    reported(text, "id: accurate", "field 'accurate' of node 'share_what': `choices` go with type `choice`, and only with it")


def test_unknown_field_type_lists_confirm():
    text = broken("        type: confirm\n", "        type: checkbox\n")
    reported(text, "type: checkbox", "field 'accurate' of node 'share_what': type must be one of text, textarea, date, choice, confirm, number")


def test_unknown_key_on_an_answer_lists_only_when():
    text = broken("        only_when: {capacity: [presumed, has]}", "        only_when: {capacity: [presumed, has]}\n        only_if: {}")
    reported(text, "only_if", "unknown key 'only_if' in an answer of node 'consent' (allowed: hint, id, label, next, only_when, requires_rationale, set, unless)")
