"""A loopback git remote: the world's repositories as local bare repositories, for ``git clone``.

packit's ``LocalProject`` clones the repository with git (``git clone
https://github.com/OWNER/REPO.git``), fetches the PR (``+refs/pull/N/head``) and its target
branch (``+refs/heads/BASE``) and merges them: git, not the REST API, so neither the loopback
GitHub nor the cassettes see it. Here every repository of the loopback world becomes a bare
repository under one folder, with the branches and ``refs/pull/N/head`` the loopback GitHub
serves and, at each, the files its contents API serves; git reaches it through
``url.file://ROOT/.insteadOf https://github.com/`` in the environment
(``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_0``/``GIT_CONFIG_VALUE_0``), so packit's code is unchanged::

    spec = git_spec(world)                # plain data: repositories, refs, commits and their files
    root = build_remotes(spec, home / "git")
    env = git_env(root)                   # for packit-service's process (git inherits it)

A commit's sha cannot be chosen, so the repositories' commits are not the world's shas: each
carries the world's sha in its message (``world commit SHA``). packit resolves what it fetches
by ref, never by sha, and the PR's head is a child of its base branch, so the merge is a
fast-forward (no identity, no merge commit). The spec is kept with a run and the same
repositories (the same commits: fixed author and dates) are built again on replay.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracer.errors import DataError
from tracer.packit.loopback.world import World

#: what git's commits here are made by (fixed: the same spec gives the same commits)
_IDENT = "api-tracer loopback <loopback@api-tracer.invalid> 1675814400 +0000"
#: the run file that keeps the spec (a replay builds the same repositories from it)
GIT_FILE = "git-remote.json"
ORIGIN = "https://github.com/"


def git_spec(world: World) -> dict[str, Any]:
    """The repositories git serves, as data: per repository its refs (ref → world sha) and its
    commits (world sha → parent sha and files), the trees the loopback GitHub serves at each ref.

    The default branch's head is the root commit; every other branch head and PR head is its child.
    """
    repositories: dict[str, Any] = {}
    for repo in world.repositories.values():
        base_sha = repo.branches[repo.default_branch]
        refs = {f"refs/heads/{name}": sha for name, sha in sorted(repo.branches.items())}
        refs.update({f"refs/pull/{n}/head": pull.head_sha for n, pull in sorted(repo.pulls.items())})
        commits: dict[str, Any] = {}
        for sha in sorted(set(refs.values()), key=lambda s: (s != base_sha, s)):
            commits[sha] = {"parent": None if sha == base_sha else base_sha, "files": dict(repo.tree(sha) or {})}
        repositories[repo.full_name] = {"head": f"refs/heads/{repo.default_branch}", "refs": refs, "commits": commits}
    return {"origin": ORIGIN, "repositories": repositories}


def _stream(commits: Mapping[str, Any], refs: Mapping[str, str]) -> bytes:
    """git fast-import's input: the commits (a mark each), then the refs."""
    out: list[bytes] = []
    marks: dict[str, int] = {}

    def data(text: str) -> None:
        raw = text.encode()
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    for sha, commit in commits.items():
        marks[sha] = len(marks) + 1
        out.append(b"commit refs/api-tracer/%d\nmark :%d\n" % (marks[sha], marks[sha]))
        out.append(f"author {_IDENT}\ncommitter {_IDENT}\n".encode())
        data(f"world commit {sha}\n")
        parent = commit.get("parent")
        out.append(b"from :%d\n" % marks[parent] if parent else b"")
        out.append(b"deleteall\n")
        for path, text in sorted(commit["files"].items()):
            out.append(f"M 100644 inline {json.dumps(path)}\n".encode())
            data(text)
    for ref, sha in refs.items():
        out.append(f"reset {ref}\n".encode() + b"from :%d\n\n" % marks[sha])
    return b"".join(out)


def _git(args: list[str], *, cwd: Path | None = None, input: bytes | None = None) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd or "/"), "GIT_CONFIG_NOSYSTEM": "1",
           "LC_ALL": "C"}
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, env=env, capture_output=True)
    if proc.returncode != 0:
        detail = " ".join(proc.stderr.decode(errors="replace").split())[:300]
        raise DataError(f"git {args[0]} failed building the loopback git remote (exit {proc.returncode}): {detail}")


def build_remotes(spec: Mapping[str, Any], root: Path, *, source: str = "the git spec") -> Path:
    """Write every repository of ``spec`` as ``root/OWNER/REPO.git`` (bare); ``root`` returned.
    A spec that names a missing commit or is not the shape :func:`git_spec` gives is a DataError."""
    try:
        repositories = dict(spec["repositories"])
        for full_name, repo in repositories.items():
            commits, refs = dict(repo["commits"]), dict(repo["refs"])
            if repo["head"] not in refs:
                raise DataError(f"{source}: {full_name}'s head {repo['head']} is none of its refs")
            for ref, sha in refs.items():
                if sha not in commits:
                    raise DataError(f"{source}: {full_name} {ref} names commit {sha}, which it does not hold")
            for sha, commit in commits.items():
                if commit.get("parent") and commit["parent"] not in commits:
                    raise DataError(f"{source}: {full_name} commit {sha}'s parent {commit['parent']} is not held")
            bare = root / f"{full_name}.git"
            bare.parent.mkdir(parents=True, exist_ok=True)
            _git(["init", "--quiet", "--bare", str(bare)])
            _git(["fast-import", "--quiet"], cwd=bare, input=_stream(commits, refs))
            scratch = "".join(f"delete refs/api-tracer/{i}\n" for i in range(1, len(commits) + 1))
            _git(["update-ref", "--stdin"], cwd=bare, input=scratch.encode())
            _git(["symbolic-ref", "HEAD", repo["head"]], cwd=bare)
    except (KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{source}: not a loopback git spec ({type(exc).__name__}: {exc})") from None
    return root


def git_env(root: Path, origin: str = ORIGIN) -> dict[str, str]:
    """The environment that sends git's ``origin`` URLs to the repositories under ``root``.

    >>> git_env(Path("/r"))["GIT_CONFIG_KEY_0"]
    'url.file:///r/.insteadOf'
    """
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{root.resolve().as_uri()}/.insteadOf",
            "GIT_CONFIG_VALUE_0": origin}


def load_spec(path: Path) -> dict[str, Any]:
    """A run's git spec (:data:`GIT_FILE`); a one-line DataError when it is not JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the loopback git spec ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("repositories"), dict):
        raise DataError(f"{path}: not a loopback git spec (no repositories mapping)")
    return data
