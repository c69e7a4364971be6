"""A loopback answer to what packit's distribution aliases read at their first use in a process.

packit expands targets such as ``fedora-stable`` through ``fedora-distro-aliases`` (Bodhi's
``GET /releases/``) and ``opensuse-distro-aliases`` (``get.opensuse.org`` and
``api.opensuse.org``), whose addresses are constants in those libraries; packit of early 2023
(0.67) reads Bodhi through ``bodhi-client``, whose ``BodhiClient()`` first reads Fedora's OpenID
Connect discovery document (``id.fedoraproject.org``). A client reaches this
server through :func:`tracer.capture.redirect_origin`, one server per origin (:data:`ORIGINS`,
so that a recording can tell which origin answered)::

    with ExitStack() as stack:
        for origin in ORIGINS:
            server = stack.enter_context(FakeReleases())
            stack.enter_context(redirect_origin(origin, server.url))
        packit.config.aliases.get_aliases()       # answered from the services world
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from tracer.packit.loopback.jsonservice import Answer, Call, JsonService
from tracer.packit.loopback.services_world import ServicesWorld

#: the origins the aliases libraries hold as constants (each server answers all their routes)
ORIGINS = ("https://bodhi.fedoraproject.org", "https://get.opensuse.org", "https://api.opensuse.org",
           "https://id.fedoraproject.org")
#: Fedora's identity provider, as bodhi-client names it (its discovery document names its endpoints)
FEDORA_IDP = "https://id.fedoraproject.org/openidc"


class FakeReleases(JsonService):
    """Bodhi's releases and openSUSE's distributions and product list, from the services world."""

    ROUTES = (
        ("GET", r"/releases", "bodhi_releases"),
        ("GET", r"/api/v0/distributions.json", "opensuse_distributions"),
        ("GET", r"/public/source/openSUSE", "opensuse_products"),
        ("GET", r"/openidc/\.well-known/openid-configuration", "oidc_discovery"),
    )

    def __init__(self, world: ServicesWorld | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.world = world or ServicesWorld.load()

    def bodhi_releases(self, call: Call) -> Answer:
        states = set(call.query.get("state") or [])
        releases = [r for r in self.world.bodhi_releases if not states or r["state"] in states]
        return 200, {"releases": releases, "page": 1, "pages": 1, "rows_per_page": 20, "total": len(releases)}

    def opensuse_distributions(self, call: Call) -> Answer:
        return 200, self.world.opensuse_distributions

    def opensuse_products(self, call: Call) -> Answer:
        items = "".join(
            f"<product {' '.join(f'{k}={quoteattr(str(v))}' for k, v in product.items())}/>"
            for product in self.world.opensuse_products
        )
        return 200, f"<productlist count={quoteattr(str(len(self.world.opensuse_products)))}>{items}</productlist>"

    def oidc_discovery(self, call: Call) -> Answer:
        """The OpenID Connect discovery document ``BodhiClient()`` reads before anything else (it
        builds its OAuth2 session from ``token_endpoint``; reading releases needs no login)."""
        return 200, {
            "issuer": f"{FEDORA_IDP}/",
            "authorization_endpoint": f"{FEDORA_IDP}/Authorization",
            "token_endpoint": f"{FEDORA_IDP}/Token",
            "userinfo_endpoint": f"{FEDORA_IDP}/UserInfo",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post", "oob"],
        }
