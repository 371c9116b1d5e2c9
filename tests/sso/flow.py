"""Walking the authorization code flow with Django's test client and the stand-in provider.

The test client cannot follow a redirect to another host, so the provider's authorize URL is
fetched over HTTP here and its redirect (the callback URL, with code and state) fed back."""

from __future__ import annotations

import http.client
import json
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from isg.sso.config import BACKEND_PATH

from .provider import StandInProvider

# The provider's groups in these tests, and what each gives in ISG (agency slugs "north", "south").
GROUP_MAP = {
    "isg-north-managers": {"role": "line_manager", "agency": "north"},
    "isg-north-practitioners": {"role": "practitioner", "agency": "north"},
    "isg-south-practitioners": {"role": "practitioner", "agency": "south"},
    "isg-lscb": {"role": "partnership"},
    "isg-trainers": {"role": "trainer"},
    "isg-roleless-practitioners": {"role": "practitioner"},
    "staff-north": {"agency": "north"},
    "isg-ghost-agency": {"role": "practitioner", "agency": "no-such-agency"},
}


def configure(settings, provider: StandInProvider, group_map: dict | None = None) -> None:
    """Point ISG at the stand-in provider, as the ISG_OIDC_* environment variables would."""
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.ISG_OIDC_GROUP_MAP = json.dumps(GROUP_MAP if group_map is None else group_map)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND_PATH]


def start(client: Client, provider: StandInProvider, next_url: str | None = None) -> str:
    """Press the button: ISG answers a redirect to the provider's authorize endpoint."""
    response = client.get("/sso/authenticate/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith(provider.endpoint("authorize") + "?"), location
    return location


def approve(authorize_url: str) -> str:
    """The browser at the provider: returns where the provider sends it back (the callback URL)."""
    url = urlsplit(authorize_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("GET", f"{url.path}?{url.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        return response.getheader("Location")
    finally:
        connection.close()


def callback(client: Client, callback_url: str):
    """Back at ISG with the provider's answer."""
    url = urlsplit(callback_url)
    return client.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})


def sign_in(client: Client, provider: StandInProvider, identity: dict, next_url: str | None = None):
    """The whole round trip as `identity` (claims); returns ISG's answer to the callback."""
    provider.identity = identity
    return callback(client, approve(start(client, provider, next_url)))


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    return parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()
