"""The charging memo (``capture.charging.charged``) answers as the rule does, at its edge: a
403/429's headers decide, so those are never remembered; every other answer is judged once."""

from __future__ import annotations

from tracer.capture.charging import charged, is_charged

REFUSED = {"x-ratelimit-remaining": "0"}


def test_a_403_is_judged_by_its_headers_every_time() -> None:
    assert charged("github", False, 403, "token", "set_status", REFUSED) is False
    assert charged("github", False, 403, "token", "set_status", {}) is True  # a remembered 403 would say False
    assert charged("github", False, 429, "token", "set_status", {"retry-after": "60"}) is False
    assert charged("github", False, 429, "token", "set_status", {}) is True


def test_other_answers_are_the_rules() -> None:
    for forge in ("github", "gitlab", "pagure", "forgejo", None):
        for status in (None, 200, 201, 304, 401, 404, 500, 502):
            for auth in ("token", "jwt", "none"):
                for category in ("set_status", "auth", "other"):
                    for _ in range(2):  # the second from the memo
                        assert charged(forge, False, status, auth, category, {}) == is_charged(
                            forge=forge, free=False, status=status, auth=auth, category=category)
    assert charged("github", True, 200, "token", "set_status", {}) is False
