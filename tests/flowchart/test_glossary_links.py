"""`glossary_links`: the flowchart's texts, escaped, with the first use of each term of art linked."""

import re
from types import SimpleNamespace

from django.template import Context, Template
from django.utils.safestring import SafeString, mark_safe

from isg.engine import GlossaryTerm
from isg.flowchart.templatetags.glossary import glossary_links

LINK = re.compile(r'<a class="govuk-link" href="([^"]*)">(.*?)</a>', re.DOTALL)


def term(term_id, name, *aliases):
    return GlossaryTerm(id=term_id, term=name, definition="…", aliases=aliases)


FLOWCHART = SimpleNamespace(glossary=(
    term("interest", "Interest"),
    term("public_interest", "Public interest", "public interest test"),
    term("consent", "Consent"),
    term("harm", "Harm"),
    term("dsl", "Designated safeguarding lead", "DSL"),
))


def links(html):
    return LINK.findall(html)


def test_links_a_term_to_its_glossary_entry():
    html = glossary_links("Ask for consent first.", FLOWCHART)
    assert isinstance(html, SafeString)
    assert html == 'Ask for <a class="govuk-link" href="/flowchart/glossary/#consent">consent</a> first.'


def test_escapes_html_in_the_text_before_linking():
    html = glossary_links('<script>alert("consent")</script> & <b>harm</b>', FLOWCHART)
    assert "<script>" not in html and "<b>" not in html
    assert html.startswith("&lt;script&gt;alert(&quot;")
    assert "&amp; &lt;b&gt;" in html
    assert links(html) == [("/flowchart/glossary/#consent", "consent"), ("/flowchart/glossary/#harm", "harm")]


def test_links_only_the_first_occurrence_of_each_term():
    html = glossary_links("Consent matters. Ask for consent again, and record the consent.", FLOWCHART)
    assert links(html) == [("/flowchart/glossary/#consent", "Consent")]
    assert html.endswith("Ask for consent again, and record the consent.")


def test_matching_ignores_case_and_keeps_the_texts_own_case():
    assert links(glossary_links("Without CONSENT.", FLOWCHART)) == [("/flowchart/glossary/#consent", "CONSENT")]


def test_the_longest_term_wins_where_terms_overlap():
    html = glossary_links("Apply the public interest test, in the interest of the child.", FLOWCHART)
    assert links(html) == [
        ("/flowchart/glossary/#public_interest", "public interest test"),
        ("/flowchart/glossary/#interest", "interest"),
    ]


def test_an_alias_and_its_term_share_one_link():
    html = glossary_links("Tell your DSL. The designated safeguarding lead decides.", FLOWCHART)
    assert links(html) == [("/flowchart/glossary/#dsl", "DSL")]


def test_a_term_split_over_a_line_break_still_matches():
    html = glossary_links("the public\ninterest", FLOWCHART)
    assert links(html) == [("/flowchart/glossary/#public_interest", "public\ninterest")]


def test_never_matches_inside_a_word():
    html = glossary_links("Consenting is not harmful; self-harm and pharmacy, nonconsent.", FLOWCHART)
    assert links(html) == []
    assert html == "Consenting is not harmful; self-harm and pharmacy, nonconsent."


def test_a_term_followed_by_punctuation_or_a_possessive_still_matches():
    html = glossary_links("(harm) and the DSL's view", FLOWCHART)
    assert links(html) == [("/flowchart/glossary/#harm", "harm"), ("/flowchart/glossary/#dsl", "DSL")]


def test_never_links_inside_a_link_already_made_or_inside_a_tag():
    text = mark_safe('<a href="/elsewhere">consent form</a> <span title="harm">needs</span> consent and harm')
    html = glossary_links(text, FLOWCHART)
    assert '<a href="/elsewhere">consent form</a> <span title="harm">needs</span> ' in html
    assert links(html) == [("/flowchart/glossary/#consent", "consent"), ("/flowchart/glossary/#harm", "harm")]


def test_a_flowchart_without_a_glossary_only_escapes():
    assert glossary_links("<i>consent</i>", SimpleNamespace(glossary=())) == "&lt;i&gt;consent&lt;/i&gt;"
    assert glossary_links("consent", None) == "consent"


def test_works_as_a_template_filter():
    template = Template("{% load glossary %}<p>{{ text|glossary_links:flowchart }}</p>")
    html = template.render(Context({"text": "No <consent>.", "flowchart": FLOWCHART}))
    assert html == '<p>No &lt;<a class="govuk-link" href="/flowchart/glossary/#consent">consent</a>&gt;.</p>'
