"""The vcrpy set-up api-tracer records with (replay: :mod:`tracer.recording.replayer`).

- cassettes are plain vcrpy (version 1, YAML or vcrpy's JSON) with ``https://api.github.com/…``
  URIs, whatever server answered the recording (a loopback GitHub's address is rewritten);
- secrets are scrubbed before anything is written (:mod:`tracer.recording.secrets`);
- files are written atomically: a killed recording leaves a whole cassette or none;
- they replay with plain vcrpy too, ``?page=1`` and no query matched alike
  (:mod:`tracer.recording.matchers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import vcr
from vcr.serializers import compat
from vcr.request import Request
from vcr.serialize import serialize

from tracer.capture.patches import redirected_from
from tracer.recording.cassette_io import load_cassette, write_text_atomic
from tracer.recording.matchers import MATCH_ON, configure
from tracer.recording.secrets import scrub_request, scrub_response
from tracer.recording.trim import trim_response

GITHUB_API = "https://api.github.com"


class AtomicPersister:
    """vcrpy persister: validated loading (one-line DataError), atomic saving."""

    @classmethod
    def load_cassette(cls, cassette_path: str | Path, serializer: Any) -> tuple[list[Request], list[dict[str, Any]]]:
        path = Path(cassette_path)
        if not path.exists():
            from vcr.persisters.filesystem import CassetteNotFoundError

            raise CassetteNotFoundError()
        data = load_cassette(path)
        interactions = data["interactions"]
        return (
            [Request._from_dict(i["request"]) for i in interactions],
            [compat.convert_to_bytes(i["response"]) for i in interactions],
        )

    @staticmethod
    def save_cassette(cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any) -> None:
        write_text_atomic(Path(cassette_path), serialize(cassette_dict, serializer))


def _as_origins(served: Mapping[str, str]):
    """A request filter that rewrites each served URL (a loopback) to the origin it stands for
    (``{"http://127.0.0.1:PORT": "https://api.github.com"}``), or any active
    :func:`tracer.capture.redirect_api` target to api.github.com, and scrubs the request."""
    loops = [(urlsplit(url), origin.rstrip("/")) for url, origin in served.items()]

    def before_record_request(request: Request) -> Request:
        parsed = urlsplit(request.uri)
        for loop, origin in loops:
            if parsed.hostname == loop.hostname and parsed.port == loop.port:
                rest = request.uri.split(f"{parsed.netloc}", 1)[1]
                request = scrub_request(request)
                request.uri = origin + rest
                return request
        request = scrub_request(request)
        request.uri = redirected_from(request.uri)
        return request

    return before_record_request


def _response_filter(trim: bool):
    return (lambda r: trim_response(scrub_response(r))) if trim else scrub_response


def configure_for_github(v: vcr.VCR, *, trim: bool = False) -> vcr.VCR:
    """Make a VCR someone else built (pytest-recording's, through the plugin's
    ``pytest_recording_configure``) record as api-tracer does: requests to a loopback GitHub
    behind :func:`tracer.capture.redirect_api` kept as ``https://api.github.com/…`` (so they
    replay on any port), secrets scrubbed from requests and responses, api-tracer's matchers
    (``?page=1`` as no query). A project's own ``vcr_config`` still overrides any of these."""
    v.before_record_request = _as_origins({})
    v.before_record_response = _response_filter(trim)
    v.match_on = MATCH_ON
    v.decode_compressed_response = True
    return configure(v)


def recording_vcr(api_url: str | None = None, trim: bool = True, serializer: str = "yaml",
                  origins: Mapping[str, str] | None = None) -> vcr.VCR:
    """A VCR that records new cassettes; ``api_url`` is the server really answering GitHub's API.

    Responses are always scrubbed of secrets; ``trim`` also drops what no client reads;
    ``serializer`` is vcrpy's ``yaml`` (default) or ``json``; ``origins`` maps more origins to
    the servers answering for them (``redirect_origin``): cassettes name the origins.
    """
    served = {url: origin for origin, url in (origins or {}).items()}
    if api_url:
        served[api_url] = GITHUB_API
    after = _response_filter(trim)
    v = vcr.VCR(
        record_mode="once",
        match_on=MATCH_ON,
        before_record_request=_as_origins(served),
        before_record_response=after,
        decode_compressed_response=True,
        serializer=serializer,
    )
    v.register_persister(AtomicPersister)
    return configure(v)
