"""A real OpenID provider on loopback for the sign-in tests: oidc-provider-mock in a thread.

The mock (a test-only dependency, requirements-dev.txt) is a complete OpenID provider built on
Authlib: discovery, JWKS, an authorization form, a token endpoint that signs ID tokens with
RS256. Its users' claims are set over HTTP (PUT /users/<sub>); the claims a user has are merged
into the ID token last, so they also make the bad tokens the tests need: an ``aud`` of another
application, an ``exp`` in the past, another ``nonce``. Those go through the real callback.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.error import HTTPError
from urllib.parse import parse_qs, quote, urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener, urlopen

from werkzeug.serving import make_server

CLIENT_ID = "facilitator-test"
CLIENT_SECRET = "test-secret-of-the-client"  # noqa: S105 - the mock accepts any


@contextmanager
def provider() -> Iterator[str]:
    """The provider on 127.0.0.1 (a free port) for the block; its issuer URL."""
    import oidc_provider_mock  # here, not at collection: its deprecation warnings are filtered in tests

    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def set_claims(issuer: str, sub: str, claims: dict) -> None:
    """What the provider says about ``sub`` (merged into its ID token as they are)."""
    request = Request(  # noqa: S310 - the loopback provider
        f"{issuer}/users/{quote(sub, safe='')}",
        data=json.dumps(claims).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urlopen(request, timeout=10) as response:  # noqa: S310 - the loopback provider
        assert response.status == 204


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def authorize(authorization_url: str, sub: str | None = None, deny: bool = False) -> str:
    """Answer the provider's form as the person would; the URL it sends the browser back to."""
    form = {"action": "deny"} if deny else {"sub": sub or ""}
    request = Request(authorization_url, data=urlencode(form).encode(), method="POST")  # noqa: S310
    try:
        build_opener(_NoRedirect).open(request, timeout=10)  # noqa: S310 - the loopback provider
    except HTTPError as exc:
        if exc.code in (302, 303):
            return exc.headers["Location"]
        raise
    raise AssertionError("the provider did not send the browser back")


def local(url: str) -> str:
    """The path and query of a URL (for Flask's test client)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
