"""AC-3's static check: views find records only through the access rules, never by a bare lookup."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2] / "isg"
BARE_LOOKUP = re.compile(r"get_object_or_404\(|\bDecision\.objects\.(get|filter|all|exclude|first)\(")


def test_no_view_looks_a_decision_up_without_the_access_rules():
    offenders = []
    for path in ROOT.rglob("*views*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if BARE_LOOKUP.search(line):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}")
    assert not offenders, "use isg.access.services.decision_for or Decision.objects.visible_to:\n" + "\n".join(offenders)


def test_the_access_middleware_runs_after_the_login_middleware():
    middleware = settings.MIDDLEWARE
    login = middleware.index("isg.lib.middleware.HtmxAwareLoginRequiredMiddleware")
    access = middleware.index("isg.access.middleware.AccessRulesMiddleware")
    assert login < access
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") < login
