"""The one axe finding set aside (GOV.UK Frontend's conditional reveal) is set aside narrowly."""

from .conftest import _is_govuk_conditional_reveal


def violation(rule: str, html: str, *messages: str) -> dict:
    return {"id": rule, "nodes": [{"html": html, "any": [], "all": [], "none": [{"message": m} for m in messages]}]}


RADIO = '<input class="govuk-radios__input" id="answer" name="answer" type="radio" aria-expanded="false">'


def test_aria_expanded_on_a_govuk_reveal_radio_is_set_aside():
    assert _is_govuk_conditional_reveal(violation("aria-allowed-attr", RADIO,
                                                  'ARIA attribute is not allowed: aria-expanded="false"'))


def test_anything_else_still_fails():
    # Another attribute on the same radio, the same attribute elsewhere, or another rule.
    assert not _is_govuk_conditional_reveal(violation("aria-allowed-attr", RADIO,
                                                      'ARIA attribute is not allowed: aria-pressed="true"'))
    assert not _is_govuk_conditional_reveal(violation(
        "aria-allowed-attr", '<input class="isg-thing" type="radio" aria-expanded="false">',
        'ARIA attribute is not allowed: aria-expanded="false"'))
    assert not _is_govuk_conditional_reveal(violation("label", RADIO, "Form element does not have a label"))
    assert not _is_govuk_conditional_reveal(violation("aria-allowed-attr", RADIO))
