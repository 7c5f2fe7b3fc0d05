"""python-jose, the library the seed verified tokens with: the README's snippet verifies this auth service's
shared-secret (HS256) tokens, and python-jose cannot verify its default EdDSA tokens at all. The snippet is
read from README.md and run as written, so the README cannot drift from what works."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from jose import JWTError
from jose.exceptions import JWKError
from jose import jwt as jose_jwt
from jose.constants import ALGORITHMS

from conftest import AUDIENCE, ISSUER, SigningKey, claims, sign

README = Path(__file__).resolve().parents[1] / "README.md"
SHARED_SECRET = "a-shared-secret-of-at-least-32-characters!"


def readme_snippet() -> str:
    text = README.read_text()
    section = text.split("## python-jose", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README.md's python-jose section has no python block"
    return match.group(1)


def run_readme_snippet(token: str) -> dict[str, Any]:
    scope: dict[str, Any] = {"token": token, "shared_secret": SHARED_SECRET, "issuer": ISSUER}
    exec(readme_snippet(), scope)  # noqa: S102 - our own README's snippet, on purpose
    return scope["claims"]


def shared_secret_token(**overrides: Any) -> str:
    # What the auth service signs in shared-secret mode: HS256 over the same claims (server/CONTRACT.md).
    return pyjwt.encode(claims(**overrides), SHARED_SECRET, algorithm="HS256", headers={"kid": "shared-secret"})


def test_the_readme_snippet_verifies_a_shared_secret_token() -> None:
    verified = run_readme_snippet(shared_secret_token())
    assert verified["sub"] == "user-a"
    assert verified["sid"] == "session-a"
    assert verified["aud"] == AUDIENCE


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-api"},
        {"iss": "http://evil.example"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["wrong audience", "wrong issuer", "expired"],
)
def test_the_readme_snippet_refuses_wrong_claims(overrides: dict[str, Any]) -> None:
    with pytest.raises(JWTError):
        run_readme_snippet(shared_secret_token(**overrides))


def test_the_readme_snippet_refuses_another_secret() -> None:
    forged = pyjwt.encode(claims(), "another-secret-of-at-least-32-characters", algorithm="HS256")
    with pytest.raises(JWTError):
        run_readme_snippet(forged)


def test_python_jose_has_no_eddsa() -> None:
    assert "EdDSA" not in ALGORITHMS.SUPPORTED


def test_python_jose_cannot_verify_the_default_eddsa_tokens() -> None:
    key = SigningKey()
    token = sign(key)
    # The token is good: PyJWT, which this example uses, verifies it with the same public key.
    assert pyjwt.decode(token, key.private.public_key(), algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)["sub"] == "user-a"
    # What a seed user meets: python-jose has no key class for an Ed25519 key.
    with pytest.raises(JWKError, match="Unable to find an algorithm"):
        jose_jwt.decode(token, key.jwk(), algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
