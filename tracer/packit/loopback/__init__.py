"""The loopback GitHub: a GitHub REST server of our own on 127.0.0.1.

Public API::

    from tracer.packit.loopback import FakeGitHub, World, Fault, generate_app_key
    with FakeGitHub(World.default()) as hub:        # or World.load("my-world.yaml")
        hub.url                                      # http://127.0.0.1:PORT
        token = hub.issue_token("alice")             # personal token, bucket "user:alice"
        hub.app_id, hub.app_private_key              # the GitHub App (key made at run time)
        hub.add_fault(path=r"/pulls/1$", status=502, times=1)
        hub.requests                                 # [LoggedRequest], hub.used("installation:1924121")
        hub.reset()

It imports nothing from tracer.capture, tracer.packit.worker or tracer.cli.
"""

from tracer.packit.loopback.api import FakeApi
from tracer.packit.loopback.appauth import generate_app_key, public_key_pem, sign_app_jwt, token_identity
from tracer.packit.loopback.faults import Fault
from tracer.packit.loopback.messages import LoggedRequest, Principal
from tracer.packit.loopback.ratelimit import RateBucket
from tracer.packit.loopback.server import FakeGitHub
from tracer.packit.loopback.world import App, Pull, RateLimitConfig, Repository, User, World

__all__ = [
    "FakeGitHub", "World", "FakeApi", "Fault", "RateLimitConfig", "generate_app_key", "sign_app_jwt",
]
