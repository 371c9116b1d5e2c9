"""A small, strict OpenID Connect provider that a test starts on 127.0.0.1 (a free port, a thread).

Authorization code flow only, as ISG uses it:

- GET  /authorize  checks client_id, response_type=code, the openid scope, a state and an S256 PKCE
                   challenge, then approves at once as `provider.identity` (the person a test chose)
                   and redirects to redirect_uri with a code and the state;
- POST /token      checks the client secret, the code (single use: a second try is invalid_grant),
                   the redirect_uri and the PKCE verifier; answers an RS256 ID token with the nonce;
- GET  /jwks       the public key; GET /userinfo  the identity's claims for a Bearer access token.

Knobs let a test make it misbehave: `id_token_overrides` (claims such as iss, aud, nonce, exp),
`sign_with_rogue_key` (a different key under the published kid), `userinfo_overrides`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "isg-test-client"
CLIENT_SECRET = "isg-test-client-secret-0123456789"
KID = "stand-in-key-1"


@functools.cache
def _key(name: str):
    """Made at first use, once per test run (RSA key generation costs most of a second)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class StandInProvider:
    def __init__(self) -> None:
        self.key = _key("signing")
        self.rogue_key = _key("rogue")
        self.identity: dict = {}  # claims of the person who "signs in" next; must hold "sub"
        self.id_token_overrides: dict = {}
        self.userinfo_overrides: dict = {}
        self.sign_with_rogue_key = False
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []  # what the relying party sent (for assertions)
        self.userinfo_requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- life --------------------------------------------------------------------------------
    def start(self) -> StandInProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{name}"

    def settings(self) -> dict:
        """The Django settings that point ISG at this provider (ISG_OIDC_GROUP_MAP is the test's)."""
        return {
            "ISG_OIDC_ENABLED": True,
            "ISG_OIDC_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.endpoint("authorize"),
            "OIDC_OP_TOKEN_ENDPOINT": self.endpoint("token"),
            "OIDC_OP_JWKS_ENDPOINT": self.endpoint("jwks"),
            "OIDC_OP_USER_ENDPOINT": self.endpoint("userinfo"),
        }

    # -- endpoints ---------------------------------------------------------------------------
    def authorize(self, query: dict[str, str]) -> tuple[int, dict, bytes]:
        redirect_uri = query.get("redirect_uri", "")
        problems = []
        if query.get("client_id") != CLIENT_ID:
            problems.append("unknown client_id")
        if not redirect_uri.startswith(("http://", "https://")):
            problems.append("bad redirect_uri")
        if problems:  # never redirect to an address that a wrong client gave
            return 400, {"Content-Type": "text/plain"}, "; ".join(problems).encode()
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return self._redirect(redirect_uri, error="invalid_request", state=query.get("state", ""))
        if not query.get("state") or query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return self._redirect(redirect_uri, error="invalid_request", state=query.get("state", ""))
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "redirect_uri": redirect_uri, "nonce": query.get("nonce"), "challenge": query["code_challenge"],
                "identity": dict(self.identity), "used": False,
            }
        return self._redirect(redirect_uri, code=code, state=query["state"])

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict, bytes]:
        self.token_requests.append(dict(form))
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != CLIENT_ID or not secrets.compare_digest(secret or "", CLIENT_SECRET):
            return self._json(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        with self.lock:
            grant = self.codes.get(form.get("code", ""))
            if grant is None or grant["used"]:
                return self._json(400, {"error": "invalid_grant"})
            grant["used"] = True  # single use, even if what follows fails
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
        identity = grant["identity"]
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **identity}
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        claims.update(self.id_token_overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.rogue_key if self.sign_with_rogue_key else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
        access_token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[access_token] = identity
        return self._json(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                                "id_token": id_token})

    def jwks(self) -> tuple[int, dict, bytes]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
        return self._json(200, {"keys": [jwk]})

    def userinfo(self, authorization: str) -> tuple[int, dict, bytes]:
        self.userinfo_requests += 1
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        identity = self.tokens.get(token)
        if identity is None:
            return self._json(401, {"error": "invalid_token"})
        return self._json(200, {**identity, **self.userinfo_overrides})

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _redirect(uri: str, **params: str) -> tuple[int, dict, bytes]:
        separator = "&" if urlsplit(uri).query else "?"
        return 302, {"Location": f"{uri}{separator}{urlencode(params)}"}, b""

    @staticmethod
    def _json(status: int, body: dict) -> tuple[int, dict, bytes]:
        return status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()


def _handler(provider: StandInProvider):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/authorize":
                self._send(*provider.authorize(query))
            elif url.path == "/jwks":
                self._send(*provider.jwks())
            elif url.path == "/userinfo":
                self._send(*provider.userinfo(self.headers.get("Authorization", "")))
            else:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                self._send(*provider.token(form, self.headers.get("Authorization", "")))
            else:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")

        def _send(self, status: int, headers: dict, body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:  # quiet: tests read assertions, not access logs
            pass

    return Handler
