"""The OpenID Connect relying party: code for tokens, tokens checked, claims to an ISG account.

`isg.sso.backend.OIDCBackend` is a contract: sessions signed in through it carry that path in
`django.contrib.auth.BACKEND_SESSION_KEY`, and the second-factor check exempts them (the
provider gives those users their second factor).

Stricter than mozilla-django-oidc's defaults, which check neither issuer nor audience:
the ID token must be signed with the configured algorithm by a key from the provider's JWKS,
name our issuer and our client id, carry the nonce of this sign-in and not have expired; a
userinfo answer must be about the same subject. Users are found by (issuer, sub) only.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify

from isg.accounts.models import User

from . import services
from .services import Refused

logger = logging.getLogger("isg.sso")

CLOCK_LEEWAY_SECONDS = 60


class OIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **credentials):
        # Never through django.contrib.auth.authenticate(): the callback view calls `sign_in` with
        # the state it checked. So no local sign-in (and no stray ?code= on one) reaches the provider,
        # and a refusal is not a password failure for the sign-in throttle (axes).
        return None

    def get_user(self, user_id):
        # ModelBackend's: a deactivated user's session ends at the next request.
        return ModelBackend.get_user(self, user_id)

    def sign_in(self, request: HttpRequest, *, code: str, nonce: str, code_verifier: str | None) -> User:
        """The account for this authorization code, or Refused (audited either way)."""
        self.request = request
        payload = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": absolutify(request, reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
        }
        if code_verifier:
            payload["code_verifier"] = code_verifier
        try:
            tokens = self.get_token(payload)
        except (requests.RequestException, ValueError) as exc:
            # A replayed or expired code, a wrong client secret, or the provider unreachable.
            logger.warning("sso: token request failed: %s", type(exc).__name__)
            return self._refuse("provider_error")
        id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
        if not isinstance(id_token, str):
            return self._refuse("provider_error")
        try:
            claims = self.verify_token(id_token, nonce=nonce)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, KeyError, ValueError) as exc:
            logger.warning("sso: ID token refused: %s", exc)
            return self._refuse("bad_token")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            return self._refuse("bad_token")
        issuer, subject = claims["iss"], claims["sub"]
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            try:
                userinfo = self.get_userinfo(access_token, id_token, claims)
            except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, ValueError) as exc:
                logger.warning("sso: userinfo refused: %s", type(exc).__name__)
                return self._refuse("provider_error", issuer, subject)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != subject:
                return self._refuse("identity_mismatch", issuer, subject)  # OIDC Core 5.3.2
            # The identity stays the ID token's; userinfo may add claims (groups often live there).
            claims = {**claims, **userinfo, "iss": issuer, "sub": subject}
        return services.sign_in(issuer=issuer, subject=subject, claims=claims)

    def _refuse(self, reason: str, issuer: str = "", subject: str = ""):
        services.record_refusal(reason, issuer=issuer, subject=subject)
        raise Refused(reason)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token signed with another algorithm than OIDC_RP_SIGN_ALGO")
        try:
            claims = jwt.decode(
                payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID, issuer=settings.ISG_OIDC_ISSUER, leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without us as its authorised party")
        return claims
