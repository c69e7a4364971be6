"""GitHub App authentication for the loopback GitHub: keys, JWT checks, tokens.

Keys are made at run time and live in memory only; no private key is ever shipped or
written. :func:`token_identity` is what the request log shows instead of a token.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MAX_JWT_LIFETIME = 600  # GitHub refuses a JWT whose exp is more than 10 minutes after iat
CLOCK_DRIFT = 60
_ALNUM = string.ascii_letters + string.digits


class JwtRejected(Exception):
    """The JWT is not one GitHub would accept; the message is GitHub's."""


def generate_app_key(bits: int = 2048) -> str:
    """A new RSA private key as PKCS#1 PEM text (what GitHub hands out), made now."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


@lru_cache(maxsize=1)
def session_app_key() -> str:
    """One key per process, for servers not given a key (keeps test start-up fast)."""
    return generate_app_key()


def public_key_pem(key_pem: str) -> str:
    """The public half of a private PEM; a public PEM is returned unchanged."""
    if "PRIVATE KEY" not in key_pem:
        serialization.load_pem_public_key(key_pem.encode())  # validates
        return key_pem
    private = serialization.load_pem_private_key(key_pem.encode(), password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def sign_app_jwt(app_id: int | str, private_pem: str, now: float | None = None, lifetime: int = 300) -> str:
    """A JWT as PyGithub makes it (iat 60 s in the past, RS256, iss = app id)."""
    now = int(time.time() if now is None else now)
    return jwt.encode({"iat": now - CLOCK_DRIFT, "exp": now + lifetime, "iss": str(app_id)}, private_pem, "RS256")


def verify_app_jwt(token: str, public_pem: str, app_id: int, now: float | None = None) -> dict[str, object]:
    """The claims of a JWT signed by the app's key; raises :class:`JwtRejected` otherwise."""
    now = time.time() if now is None else now
    try:
        claims = jwt.decode(
            token,
            public_pem,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise JwtRejected("A JSON web token could not be decoded") from None
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(exp, int | float) or exp <= now:
        raise JwtRejected(
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
            "assertion expires"
        )
    if not isinstance(iat, int | float) or iat > now + CLOCK_DRIFT:
        raise JwtRejected("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
    if exp - iat > MAX_JWT_LIFETIME:
        raise JwtRejected("'Expiration time' claim ('exp') is too far in the future")
    if str(claims["iss"]) != str(app_id):
        raise JwtRejected("Integration not found")
    return claims


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2 and credential.startswith("ey")


def new_token(prefix: str) -> str:
    """A fresh random token in GitHub's format, e.g. ``ghs_`` + 36 letters and digits."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(36))


def token_identity(credential: str) -> str:
    """A short, stable, non-reversible name for a token, for logs."""
    return hashlib.sha256(credential.encode()).hexdigest()[:12]
