"""Import requre recordings (the ogr project's test data) as vcrpy cassettes.

A requre file stores ``requests.sessions → send → METHOD → URL → [entries]`` (requests: ogr's
GitHub, GitLab and Pagure services) and ``httpx._client → send → METHOD → URL → [entries]``
(httpx: ogr's Forgejo service, through pyforgejo); each entry holds ``metadata`` and ``output``
(the response's fields: ``_content``, ``status_code``, ``reason`` (requests only), ``headers``,
...). Both kinds become the same vcrpy interactions, which replay to either client. The conversion keeps requre's order (method blocks in file order,
URLs in order, entries in list order); a list that YAML aliases under a second URL (ogr stores
the same responses under ``https://api.github.com/...`` and ``https://api.github.com:443/...``)
is one recording and is imported once. requre keeps no request headers or bodies. Responses go
through :func:`tracer.recording.secrets.scrub_response`, so no secret reaches the cassette.

requre records above the transport (it replaces ``Session.send``), a cassette replays below it:
an error answer that ogr's urllib3 retry sends again (:mod:`tracer.recording.retries`) is
written once per attempt, so the replayed client sees what GitHub would have answered each time
(a tracer counts them as attempts of one logical call). A recording with no HTTP entries is an
empty cassette.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tracer.capture.hosts import DEFAULT_PORTS
from tracer.errors import DataError
from tracer.recording.cassette_io import CASSETTE_FORMAT_VERSION, load_yaml, write_cassette_atomic
from tracer.recording.retries import RETRIES, attempts_of
from tracer.recording.secrets import scrub_response, scrub_uri

#: requre storage-file versions whose entries are ``{metadata, output}`` (1 stored bare outputs)
SUPPORTED_STORAGE_VERSIONS = (2, 3)
#: requre ``DataTypes.List``: each key holds a list of entries
SUPPORTED_DATA_TYPES = (1,)
SUPPORTED_KEY_STRATEGIES = ("StorageKeysInspectSimple",)
#: the clients whose ``send`` requre records: requests' sessions and httpx's client
RECORDED_CLIENTS = ("requests.sessions", "httpx._client")
#: headers that describe the transfer, not the body we store; Content-Length is recomputed
DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def load_requre(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a requre file and check its header; :class:`DataError` when it is not one we read."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("_requre"), dict):
        raise DataError(f"{path}: not a requre recording (no '_requre' header mapping)")
    header = data["_requre"]
    version = header.get("version_storage_file")
    if version not in SUPPORTED_STORAGE_VERSIONS:
        raise DataError(
            f"{path}: unsupported requre version_storage_file {version!r} "
            f"(supported: {', '.join(map(str, SUPPORTED_STORAGE_VERSIONS))})"
        )
    data_types = header.get("DataTypes")
    if data_types not in SUPPORTED_DATA_TYPES:
        raise DataError(f"{path}: unsupported requre DataTypes {data_types!r} (supported: 1, List)")
    strategy = header.get("key_strategy", SUPPORTED_KEY_STRATEGIES[0])
    if strategy not in SUPPORTED_KEY_STRATEGIES:
        raise DataError(
            f"{path}: unsupported requre key_strategy {strategy!r} "
            f"(supported: {', '.join(SUPPORTED_KEY_STRATEGIES)})"
        )
    return data


def import_requre(path: str | os.PathLike[str], retries: int = RETRIES) -> list[dict[str, Any]]:
    """The vcrpy interactions (``{"request": ..., "response": ...}``) of one requre file.

    ``retries`` is the requests client's retry count (ogr's default): an answer it retries is
    written ``retries + 1`` times; 0 for a client that never retries. httpx records are written
    once each (pyforgejo retries above ``send``, so requre recorded every attempt).
    """
    path = Path(path)
    data = load_requre(path)
    interactions: list[dict[str, Any]] = []
    seen: set[int] = set()  # id() of entry lists already imported (YAML aliases)
    for section in RECORDED_CLIENTS:
        sessions = data.get(section)
        if sessions is None:
            continue  # a test that made no call through this client
        send = sessions.get("send", {}) if isinstance(sessions, dict) else None
        if send is None:
            continue
        if not isinstance(send, dict):
            raise DataError(f"{path}: '{section}' → 'send' is not a mapping of methods")
        # pyforgejo retries above httpx's send: requre recorded each attempt already
        interactions.extend(_interactions(path, send, retries if section == "requests.sessions" else 0, seen))
    return interactions


def _interactions(path: Path, send: dict[str, Any], retries: int, seen: set[int]) -> list[dict[str, Any]]:
    """The interactions of one client's ``send`` block, in requre's order."""
    interactions: list[dict[str, Any]] = []
    for method, urls in send.items():
        if not isinstance(method, str) or not isinstance(urls, dict):
            raise DataError(f"{path}: send → {method!r} is not a mapping of URLs")
        for url, entries in urls.items():
            where = f"{method} {url}"
            if not isinstance(url, str) or not isinstance(entries, list):
                raise DataError(f"{path}: {where}: expected a list of entries")
            if id(entries) in seen:
                continue
            seen.add(id(entries))
            uri = normalise_uri(url)
            for index, entry in enumerate(entries):
                response = scrub_response(_convert_output(path, f"{where} entry {index}", entry))
                interaction = {
                    "request": {"body": None, "headers": {}, "method": method.upper(), "uri": uri},
                    "response": response,
                }
                copies = attempts_of(response["status"]["code"], retries)
                interactions.extend(copy.deepcopy(interaction) for _ in range(copies))
    return interactions


def to_cassette(interactions: list[dict[str, Any]]) -> dict[str, Any]:
    """Wrap interactions in vcrpy's on-disk cassette format."""
    return {"interactions": interactions, "version": CASSETTE_FORMAT_VERSION}


def output_path(src: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path:
    """Where :func:`convert_file` writes the cassette for ``src``: same stem, ``.yaml``."""
    return Path(out_dir) / f"{Path(src).stem}.yaml"


def convert_file(src: str | os.PathLike[str], out_dir: str | os.PathLike[str], retries: int = RETRIES) -> Path:
    """Convert one requre file into a vcrpy cassette in ``out_dir``; returns the cassette path.

    Nothing is written when ``src`` cannot be converted.
    """
    return convert_counted(src, out_dir, retries)[0]


def convert_counted(
    src: str | os.PathLike[str], out_dir: str | os.PathLike[str], retries: int = RETRIES
) -> tuple[Path, int]:
    """:func:`convert_file`, also returning the number of interactions written."""
    interactions = import_requre(src, retries)
    path = write_cassette_atomic(output_path(src, out_dir), to_cassette(interactions))
    return path, len(interactions)


def normalise_uri(url: str) -> str:
    """The URL without its scheme's default port (``https://host:443/x`` → ``https://host/x``),
    and without secret query parameters."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        host = parts.netloc.rsplit(":", 1)[0]
        parts = parts._replace(netloc=host)
    return scrub_uri(urlunsplit(parts))


def _convert_output(path: Path, where: str, entry: Any) -> dict[str, Any]:
    """One requre entry → a vcrpy response dict."""
    output = entry.get("output") if isinstance(entry, dict) else None
    if not isinstance(output, dict):
        raise DataError(f"{path}: {where}: no 'output' mapping")
    status = output.get("status_code")
    if not isinstance(status, int) or isinstance(status, bool):
        raise DataError(f"{path}: {where}: 'status_code' is {status!r}, not an integer")
    raw_headers = output.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise DataError(f"{path}: {where}: 'headers' is not a mapping")
    body = _body(path, where, output)
    headers: dict[str, list[str]] = {}
    for name, value in raw_headers.items():
        if value is None or str(name).lower() in DROPPED_HEADERS:
            continue  # requre stores a dropped header as None
        headers[str(name)] = [str(value)]
    size = len(body.encode("utf-8")) if isinstance(body, str) else len(body)
    headers["Content-Length"] = [str(size)]
    return {
        "body": {"string": body},
        "headers": headers,
        "status": {"code": status, "message": str(output.get("reason") or "")},
    }


def _body(path: Path, where: str, output: dict[str, Any]) -> str | bytes:
    """The response body as requre replays it: ``__store_indicator`` 2 = JSON, 1 = text, 0 = bytes."""
    content = output.get("_content")
    indicator = output.get("__store_indicator")
    if indicator is None:  # guess from the stored type
        indicator = 0 if isinstance(content, bytes) else 1 if isinstance(content, str) else 2
    if indicator == 2:
        try:
            return json.dumps(content, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise DataError(f"{path}: {where}: '_content' is not JSON data: {exc}") from None
    if indicator == 1 and isinstance(content, str):
        return content
    if indicator == 0 and isinstance(content, (bytes, type(None))):
        content = content or b""
        try:
            return content.decode("utf-8")  # vcrpy keeps text bodies as text on disk
        except UnicodeDecodeError:
            return content
    raise DataError(
        f"{path}: {where}: '_content' is a {type(content).__name__} "
        f"but __store_indicator is {indicator!r}"
    )
