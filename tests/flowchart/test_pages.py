"""The glossary and "What changed" pages, and the archive of earlier flowcharts behind them."""

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from isg.accounts.models import User
from isg.engine import FlowchartError
from isg.flowchart.models import FlowchartVersion
from isg.flowchart.services import (
    archived_flowcharts,
    current_flowchart,
    flowchart_for,
    previous_flowchart,
    register_current,
)
from tests.factories import make_user

SAMPLES = Path(__file__).resolve().parent / "samples"
CURRENT = SAMPLES / "current" / "information-sharing.yaml"
ARCHIVE = SAMPLES / "current" / "archive"
FIRST = SAMPLES / "first" / "information-sharing.yaml"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def current(settings):
    """Live: the sample 1.1.0; archived beside it: 0.9.0, 1.0.0 and 9.0.0 (and a README)."""
    settings.ISG_FLOWCHART_PATH = CURRENT


@pytest.fixture
def first(settings):
    """Live: the sample 1.0.0, with no archive folder."""
    settings.ISG_FLOWCHART_PATH = FIRST


@pytest.fixture
def copied(tmp_path, settings):
    """The `current` samples copied to a folder the test may change."""
    shutil.copytree(SAMPLES / "current", tmp_path / "current")
    settings.ISG_FLOWCHART_PATH = tmp_path / "current" / "information-sharing.yaml"
    return tmp_path / "current"


# -- the archive ------------------------------------------------------------------------------


def test_archived_flowcharts_loads_every_flowchart_file_in_the_archive_by_sha256(current):
    archived = archived_flowcharts()
    assert {f.version for f in archived.values()} == {"0.9.0", "1.0.0", "9.0.0"}
    assert archived[sha(ARCHIVE / "information-sharing-1.0.0.yaml")].version == "1.0.0"


def test_no_archive_folder_means_no_archived_flowcharts(first):
    assert archived_flowcharts() == {}


def test_an_archived_file_is_reloaded_only_when_it_changes(copied):
    path = copied / "archive" / "information-sharing-1.0.0.yaml"
    before = archived_flowcharts()[sha(path)]
    assert archived_flowcharts()[sha(path)] is before
    path.write_text(path.read_text().replace('version: "1.0.0"', 'version: "1.0.5"'))
    assert archived_flowcharts()[sha(path)].version == "1.0.5"
    assert before.sha256 not in archived_flowcharts()


@pytest.mark.django_db
def test_a_broken_archived_file_raises_and_stops_the_start_up_check(copied):
    path = copied / "archive" / "information-sharing-1.0.0.yaml"
    path.write_text(path.read_text().replace("next: share_what", "next: share_wat", 1))
    with pytest.raises(FlowchartError):
        archived_flowcharts()
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    assert "isg.E001" in str(caught.value) and "share_wat" in str(caught.value)


def test_previous_flowchart_is_the_newest_archived_version_older_than_the_live_one(current):
    previous = previous_flowchart()
    assert previous is not None
    assert (previous.version, previous.sha256) == ("1.0.0", sha(ARCHIVE / "information-sharing-1.0.0.yaml"))


def test_previous_flowchart_compares_version_numbers_not_characters(copied):
    old = copied / "archive" / "information-sharing-1.0.0.yaml"
    old.write_text(old.read_text().replace('version: "1.0.0"', 'version: "1.0.10"'))
    live = copied / "information-sharing.yaml"
    live.write_text(live.read_text().replace('version: "1.1.0"', 'version: "1.0.9"'))
    assert previous_flowchart().version == "0.9.0"


def test_an_archived_copy_of_the_live_file_is_not_its_previous_version(copied):
    for path in (copied / "archive").glob("*.yaml"):
        path.unlink()
    shutil.copy(copied / "information-sharing.yaml", copied / "archive" / "information-sharing-1.1.0.yaml")
    assert previous_flowchart() is None


def test_previous_flowchart_is_none_without_an_archive(first):
    assert previous_flowchart() is None


@pytest.mark.django_db
def test_flowchart_for_falls_back_to_the_archive_when_no_copy_is_stored(current):
    archived_sha = sha(ARCHIVE / "information-sharing-1.0.0.yaml")
    assert not FlowchartVersion.objects.filter(sha256=archived_sha).exists()
    assert flowchart_for(archived_sha).version == "1.0.0"
    assert flowchart_for(sha(CURRENT)) is current_flowchart()


@pytest.mark.django_db
def test_flowchart_for_still_reads_a_stored_copy_that_is_not_archived(first, settings):
    register_current()
    settings.ISG_FLOWCHART_PATH = CURRENT
    assert flowchart_for(sha(FIRST)).version == "1.0.0"


@pytest.mark.django_db
def test_flowchart_for_an_unknown_sha256_raises(current):
    with pytest.raises(FlowchartVersion.DoesNotExist):
        flowchart_for("0" * 64)


# -- who may see the pages --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["flowchart:glossary", "flowchart:changes"])
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(User.Role))
@pytest.mark.parametrize("name", ["flowchart:glossary", "flowchart:changes"])
def test_every_signed_in_user_may_see_the_pages(client, current, name, role):
    client.force_login(make_user(role=role))
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_the_footer_links_to_both_pages_for_signed_in_users(signed_in):
    html = signed_in.get(reverse("casestudies:library")).content.decode()
    footer = html[html.index('<footer'):]
    assert '<a class="govuk-footer__link" href="/flowchart/glossary/">Glossary</a>' in footer
    assert '<a class="govuk-footer__link" href="/flowchart/changes/">What changed in the flowchart</a>' in footer


@pytest.mark.django_db
def test_the_sign_in_page_has_no_links_to_pages_that_need_sign_in(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "/flowchart/glossary/" not in html and "/flowchart/changes/" not in html


# -- the glossary -----------------------------------------------------------------------------


def entries(html: str) -> list[tuple[str, str]]:
    """(id, term) of each glossary entry, in page order."""
    return re.findall(r'<div class="govuk-summary-list__row" id="([a-z0-9_]+)">\s*<dt class="govuk-summary-list__key">([^<]*)</dt>', html)


@pytest.mark.django_db
def test_the_glossary_lists_every_term_alphabetically_each_anchored_at_its_id(signed_in, current):
    response = signed_in.get(reverse("flowchart:glossary"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Glossary – Information Sharing Guide</title>" in html
    assert '<h1 class="govuk-heading-l">Glossary</h1>' in html
    assert "Flowchart version 1.1.0" in html
    assert entries(html) == [
        ("capacity", "Capacity"), ("consent", "Consent"),
        ("designated_safeguarding_lead", "Designated safeguarding lead"), ("public_interest", "Public interest"),
    ]


@pytest.mark.django_db
def test_each_glossary_entry_shows_its_definition_aliases_and_sources(signed_in, current):
    html = signed_in.get(reverse("flowchart:glossary")).content.decode()
    assert "The ability to make a particular decision at the time it needs to be made." in html
    assert "leads on safeguarding &lt;and&gt; advises on referrals." in html
    assert "Also called: DSL" in html and "Also called: mental capacity" in html
    assert ('<a class="govuk-link" href="https://www.gov.uk/government/publications/safeguarding-practitioners-'
            'information-sharing-advice">HM Government, Information sharing advice (2024)</a>') in html
    assert "<li>ICO, Data sharing: a code of practice</li>" in html


@pytest.mark.django_db
def test_the_glossary_has_an_a_to_z_of_the_letters_it_uses(signed_in, current):
    html = signed_in.get(reverse("flowchart:glossary")).content.decode()
    jumps = re.findall(r'href="#(letter-[a-z]+)"><span class="govuk-visually-hidden">Terms beginning with </span>(\w)</a>', html)
    assert jumps == [("letter-c", "C"), ("letter-d", "D"), ("letter-p", "P")]
    assert re.findall(r'<h2 class="govuk-heading-m" id="(letter-[a-z]+)">', html) == ["letter-c", "letter-d", "letter-p"]


@pytest.mark.django_db
def test_a_flowchart_without_a_glossary_says_so(signed_in, first):
    html = signed_in.get(reverse("flowchart:glossary")).content.decode()
    assert "This version of the flowchart has no glossary." in html
    assert "Terms beginning with" not in html


@pytest.mark.django_db
def test_the_live_flowcharts_glossary_page_anchors_every_term(signed_in):
    flowchart = current_flowchart()
    html = signed_in.get(reverse("flowchart:glossary")).content.decode()
    assert [term_id for term_id, _ in entries(html)] == [
        term.id for term in sorted(flowchart.glossary, key=lambda term: term.term.casefold())
    ]


# -- what changed -----------------------------------------------------------------------------


def section(html: str, anchor: str) -> str:
    """The HTML of one section of the "What changed" page, from its heading to the next."""
    start = html.index(f'<h2 class="govuk-heading-m" id="{anchor}">')
    end = html.find('<h2 class="govuk-heading-m"', start + 1)
    return html[start:end if end != -1 else html.index("</main>")]


@pytest.mark.django_db
def test_what_changed_names_both_versions_with_their_sha256_prefixes(signed_in, current):
    response = signed_in.get(reverse("flowchart:changes"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>What changed in the flowchart – Information Sharing Guide</title>" in html
    assert '<h1 class="govuk-heading-l">What changed in version 1.1.0</h1>' in html
    previous_sha = sha(ARCHIVE / "information-sharing-1.0.0.yaml")[:12]
    assert re.search(rf"Previous version</dt>\s*<dd[^>]*>1\.0\.0 <span[^>]*>\(sha256 {previous_sha}\)</span>", html)
    assert re.search(rf"Current version</dt>\s*<dd[^>]*>1\.1\.0 <span[^>]*>\(sha256 {sha(CURRENT)[:12]}\)</span>", html)


@pytest.mark.django_db
def test_what_changed_lists_each_kind_of_change_in_its_own_section(signed_in, current):
    html = signed_in.get(reverse("flowchart:changes")).content.decode()
    assert re.findall(r'<h2 class="govuk-heading-m" id="([a-z-]+)">', html) == [
        "questions", "answers", "outcome-rules", "variables", "glossary", "other-changes",
    ]
    questions = section(html, "questions")
    assert "Question <code>ask_consent</code> added: “Has the person agreed?”" in questions
    # `confidential` changed only in its answers: it is listed under Answers, not as a vague "changed".
    assert "<code>confidential</code>" not in questions and "Answer <code>" not in questions
    answers = section(html, "answers")
    assert "Answer <code>partly</code> added to “Is it confidential?”: “Partly”" in answers
    assert "Answer <code>no</code> of “Is it confidential?” relabelled “No, none of it is confidential” (was “No”)" in answers
    assert "Question <code>" not in answers
    assert "Outcome rule <code>outcome_refused</code> added (3rd)" in section(html, "outcome-rules")
    variables = section(html, "variables")
    assert "Variable <code>consent</code> added (given, refused)" in variables
    assert "Variable <code>confidential</code> gains the value partly" in variables


@pytest.mark.django_db
def test_what_changed_links_new_glossary_terms_and_shows_new_wording(signed_in, current):
    html = signed_in.get(reverse("flowchart:changes")).content.decode()
    assert ('<a class="govuk-link" href="/flowchart/glossary/#consent">Read the definition'
            '<span class="govuk-visually-hidden"> of Consent</span></a>') in section(html, "glossary")
    other = section(html, "other-changes")
    assert "Safeguarding reminder on every outcome added" in other
    assert re.search(r"New wording</p><p[^>]*>If someone is in danger now, call 999\.</p>", other)


@pytest.mark.django_db
def test_what_changed_says_so_when_a_section_has_no_changes(signed_in, copied):
    live = copied / "information-sharing.yaml"
    live.write_text((copied / "archive" / "information-sharing-1.0.0.yaml").read_text().replace('"1.0.0"', '"1.0.1"'))
    html = signed_in.get(reverse("flowchart:changes")).content.decode()
    assert '<h1 class="govuk-heading-l">What changed in version 1.0.1</h1>' in html
    assert "No questions were added, removed or changed." in section(html, "questions")
    assert "No outcome rules were added, removed or changed." in section(html, "outcome-rules")
    assert "<li>" not in section(html, "answers")


@pytest.mark.django_db
def test_what_changed_says_when_there_is_no_earlier_version(signed_in, first):
    html = signed_in.get(reverse("flowchart:changes")).content.decode()
    assert '<h1 class="govuk-heading-l">What changed in the flowchart</h1>' in html
    assert "There is no earlier version of the flowchart to compare with. This is version 1.0.0" in html
    assert 'id="questions"' not in html


@pytest.mark.django_db
def test_what_changed_escapes_the_texts_it_quotes(signed_in, copied):
    live = copied / "information-sharing.yaml"
    live.write_text(live.read_text().replace("Has the person agreed?", "Has the person <b>agreed</b>?"))
    html = signed_in.get(reverse("flowchart:changes")).content.decode()
    assert "“Has the person &lt;b&gt;agreed&lt;/b&gt;?”" in section(html, "questions")


@pytest.mark.django_db
def test_what_changed_compares_the_archived_and_live_flowchart_files(signed_in):
    live, previous = current_flowchart(), previous_flowchart()
    assert previous is not None and previous.version == "1.1.0"
    html = signed_in.get(reverse("flowchart:changes")).content.decode()
    assert f'<h1 class="govuk-heading-l">What changed in version {live.version}</h1>' in html
    assert f"(sha256 {previous.sha256[:12]})" in html and f"(sha256 {live.sha256[:12]})" in html
