"""Single sign-on is on only when fully configured, and its group map cannot grant the admin role."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from isg.sso import config
from isg.sso.checks import sso_configuration


def ids(settings) -> list[str]:
    return [message.id for message in sso_configuration()]


def test_off_by_default_and_no_check_complains(settings):
    assert not config.enabled()
    assert ids(settings) == []
    assert "isg.sso.backend.OIDCBackend" not in settings.AUTHENTICATION_BACKENDS


def test_a_partial_configuration_is_an_error_naming_what_is_missing(settings):
    settings.ISG_OIDC_ISSUER = "https://login.example.org"
    settings.OIDC_RP_CLIENT_ID = "isg"
    [message, *_] = sso_configuration()
    assert message.id == "isg.sso.E001"
    assert "ISG_OIDC_CLIENT_SECRET" in message.msg and "ISG_OIDC_TOKEN_ENDPOINT" in message.msg


@pytest.mark.parametrize(("raw", "words"), [
    ('{"isg-admins": {"role": "admin"}}', "cannot be given by single sign-on"),
    ('{"g": {"role": "superuser"}}', "cannot be given by single sign-on"),
    ('["isg-lscb"]', "must be a JSON object"),
    ("{not json", "not valid JSON"),
    ('{"g": {"role": "trainer", "colour": "red"}}', "'role' and/or 'agency'"),
    ('{"g": {}}', "'role' and/or 'agency'"),
    ('{"g": {"agency": ""}}', "agency's slug"),
])
def test_a_bad_group_map_is_refused(raw, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        config.group_map(raw)


def test_the_group_map_keeps_its_order(settings):
    rules = config.group_map('{"b": {"role": "line_manager", "agency": "north"}, "a": {"role": "practitioner"}}')
    assert [(r.group, r.role, r.agency) for r in rules] == [("b", "line_manager", "north"), ("a", "practitioner", None)]


def test_production_needs_https_addresses(settings):
    for name in config.REQUIRED:
        setattr(settings, name, "http://login.example.org/x" if "ISSUER" in name or "OP_" in name else "value")
    settings.ISG_OIDC_ENABLED = True
    settings.ISG_OIDC_GROUP_MAP = '{"isg-lscb": {"role": "partnership"}}'
    settings.ISG_ENV = "production"
    [message] = sso_configuration()
    assert message.id == "isg.sso.E004" and "ISG_OIDC_TOKEN_ENDPOINT" in message.msg
    settings.ISG_ENV = "development"
    assert sso_configuration() == []
