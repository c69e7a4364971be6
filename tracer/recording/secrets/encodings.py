"""Where a secret hides: base64 (a file's ``content``, ``!!binary``), gzip/deflate,
percent-encoding and JSON strings, up to :data:`MAX_DEPTH` layers deep.

    >>> [how for how, _ in hidden_texts("eyJhIjogInRva2VuPXh5eiJ9")]
    ['base64']
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

#: how deep :func:`hidden_texts` unwraps encodings inside encodings
MAX_DEPTH = 3
_B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}\Z")
_HEX = re.compile(r"[0-9a-fA-F]+\Z")


def hidden_texts(text: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(how, text) for each text hidden inside ``text``: percent-decoded, base64-decoded (and
    decompressed: a file's ``content`` from the contents API, a gzip body), the strings of a
    JSON document, and those inside them again (:data:`MAX_DEPTH` levels)."""
    if depth >= MAX_DEPTH or len(text) < 16:
        return
    if "%" in text:
        unquoted = unquote_plus(text)
        if unquoted != text:
            yield "percent-encoded", unquoted
            yield from hidden_texts(unquoted, depth + 1)
    decoded = b64_bytes(text)
    if decoded is not None:
        inner = bytes_text(decoded)
        yield "base64", inner
        yield from hidden_texts(inner, depth + 1)
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return
        strings = list(_json_strings(data))
        if "\\u" in text or "\\/" in text:
            yield "JSON escapes", "\n".join(strings)
        for item in strings:
            for how, hidden in hidden_texts(item, depth + 1):
                yield f"JSON, {how}", hidden


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_strings(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def b64_bytes(text: str) -> bytes | None:
    """The bytes of a base64 text (GitHub wraps it every 60 characters), or None."""
    compact = "".join(text.split())
    if not _B64.match(compact) or _HEX.match(compact):  # a sha or a digest, not an encoding
        return None
    padded = compact + "=" * (-len(compact) % 4)
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def inflate(data: bytes) -> bytes | None:
    """A gzip, zlib or raw deflate payload decompressed (fully), else None."""
    if len(data) < 8:
        return None
    for wbits in (31, 15, -15):  # gzip, zlib, raw deflate
        if wbits == 31 and data[:2] != b"\x1f\x8b" or wbits == 15 and data[:1] != b"\x78":
            continue
        try:
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(data, 50_000_000)
        except zlib.error:
            continue
        if inflater.eof and not inflater.unused_data and out:
            return out
    return None


def bytes_text(data: bytes) -> str:
    """The text of decoded bytes (decompressed first when compressed); binary data byte for
    byte as Latin-1 (the secret patterns are ASCII)."""
    inflated = inflate(data)
    if inflated is not None:
        data = inflated
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
