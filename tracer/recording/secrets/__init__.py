"""Keep secrets off disk: the vcrpy scrub hooks, and a scanner for files that hold one anyway.

Three modules, one set of patterns: :mod:`~tracer.recording.secrets.patterns` (what a secret
looks like), :mod:`~tracer.recording.secrets.encodings` (where one hides: base64, gzip/deflate,
percent-encoding, JSON), :mod:`~tracer.recording.secrets.scrubbing` (the vcrpy hooks that replace
them before anything is written) and :mod:`~tracer.recording.secrets.scanning` (files searched
for what is left: which files, :mod:`~tracer.recording.secrets.files`; known fakes,
:mod:`~tracer.recording.secrets.allowlist`)::

    from tracer.recording.secrets import scan_paths, scrub_text
    scrub_text("token ghp_" + "a" * 36)        # 'token <scrubbed>'
    for finding in scan_paths(["cassettes/"]):  # FILE:LINE: KIND: excerpt (secret redacted)
        print(finding)
"""

from tracer.recording.secrets.encodings import hidden_texts
from tracer.recording.secrets.patterns import (
    AUTH_KIND_HEADER,
    AUTH_KINDS,
    PLACEHOLDER,
    SECRET_JSON_KEYS,
    SECRET_QUERY_PARAMS,
    SECRET_REQUEST_HEADERS,
)
from tracer.recording.secrets.allowlist import Allowlist, fingerprint
from tracer.recording.secrets.scanning import (
    SKIPPED_DIRS,
    Finding,
    ScanResult,
    iter_scanned_files,
    scan,
    scan_file,
    scan_paths,
    scan_text,
)
from tracer.recording.secrets.scrubbing import (
    auth_kind,
    scrub_body,
    scrub_json,
    scrub_request,
    scrub_response,
    scrub_text,
    scrub_uri,
)

__all__ = [
    "AUTH_KINDS", "AUTH_KIND_HEADER", "PLACEHOLDER", "SECRET_JSON_KEYS", "SECRET_QUERY_PARAMS",
    "SECRET_REQUEST_HEADERS", "SKIPPED_DIRS", "Allowlist", "Finding", "ScanResult", "auth_kind", "fingerprint", "hidden_texts", "iter_scanned_files",
    "scan", "scan_file", "scan_paths", "scan_text", "scrub_body", "scrub_json", "scrub_request", "scrub_response",
    "scrub_text", "scrub_uri",
]
