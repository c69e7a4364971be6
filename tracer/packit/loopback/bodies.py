"""JSON bodies shaped like api.github.com's (copied from real recordings, trimmed of tokens).

Every function takes the public API base (``api``: ``https://api.github.com`` unless the
server was told otherwise) because PyGithub follows URLs found in bodies.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from tracer.packit.loopback.world import App, Pull, Repository, User

HTML = "https://github.com"
CREATED = "2019-05-02T09:00:00Z"
UPDATED = "2024-01-15T10:00:00Z"
DOCS = "https://docs.github.com/rest"


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def blob_sha(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_sha(entries: list[tuple[str, str]]) -> str:
    return hashlib.sha1("\n".join(f"{n} {s}" for n, s in sorted(entries)).encode()).hexdigest()


def error(message: str, doc: str = DOCS, status: int | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "documentation_url": doc}
    if status is not None:
        body["status"] = str(status)
    body.update(extra)
    return body


# -- users -------------------------------------------------------------------------------
def user_summary(user: User, api: str) -> dict[str, Any]:
    u = f"{api}/users/{user.login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("User" if user.type != "Organization" else "Organization", user.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": u,
        "html_url": f"{HTML}/{user.login}",
        "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions",
        "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos",
        "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events",
        "type": user.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def user_full(user: User, api: str) -> dict[str, Any]:
    body = user_summary(user, api)
    body.update(
        {
            "name": user.name or user.login,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 1,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": CREATED,
            "updated_at": UPDATED,
        }
    )
    return body


# -- repositories ------------------------------------------------------------------------
def repo_body(repo: Repository, owner: User, api: str, permissions: dict[str, bool] | None = None) -> dict[str, Any]:
    r = f"{api}/repos/{repo.full_name}"
    body: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user_summary(owner, api),
        "html_url": f"{HTML}/{repo.full_name}",
        "description": repo.description or None,
        "fork": repo.fork,
        "url": r,
        "forks_url": f"{r}/forks",
        "keys_url": f"{r}/keys{{/key_id}}",
        "collaborators_url": f"{r}/collaborators{{/collaborator}}",
        "teams_url": f"{r}/teams",
        "hooks_url": f"{r}/hooks",
        "issue_events_url": f"{r}/issues/events{{/number}}",
        "events_url": f"{r}/events",
        "assignees_url": f"{r}/assignees{{/user}}",
        "branches_url": f"{r}/branches{{/branch}}",
        "tags_url": f"{r}/tags",
        "blobs_url": f"{r}/git/blobs{{/sha}}",
        "git_tags_url": f"{r}/git/tags{{/sha}}",
        "git_refs_url": f"{r}/git/refs{{/sha}}",
        "trees_url": f"{r}/git/trees{{/sha}}",
        "statuses_url": f"{r}/statuses/{{sha}}",
        "languages_url": f"{r}/languages",
        "stargazers_url": f"{r}/stargazers",
        "contributors_url": f"{r}/contributors",
        "subscribers_url": f"{r}/subscribers",
        "subscription_url": f"{r}/subscription",
        "commits_url": f"{r}/commits{{/sha}}",
        "git_commits_url": f"{r}/git/commits{{/sha}}",
        "comments_url": f"{r}/comments{{/number}}",
        "issue_comment_url": f"{r}/issues/comments{{/number}}",
        "contents_url": f"{r}/contents/{{+path}}",
        "compare_url": f"{r}/compare/{{base}}...{{head}}",
        "merges_url": f"{r}/merges",
        "archive_url": f"{r}/{{archive_format}}{{/ref}}",
        "downloads_url": f"{r}/downloads",
        "issues_url": f"{r}/issues{{/number}}",
        "pulls_url": f"{r}/pulls{{/number}}",
        "milestones_url": f"{r}/milestones{{/number}}",
        "notifications_url": f"{r}/notifications{{?since,all,participating}}",
        "labels_url": f"{r}/labels{{/name}}",
        "releases_url": f"{r}/releases{{/id}}",
        "deployments_url": f"{r}/deployments",
        "created_at": CREATED,
        "updated_at": UPDATED,
        "pushed_at": UPDATED,
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"{HTML}/{repo.full_name}.git",
        "svn_url": f"{HTML}/{repo.full_name}",
        "homepage": "",
        "size": 100,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": "Python",
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": True,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": False,
        "disabled": False,
        "open_issues_count": sum(1 for p in repo.pulls.values() if p.state == "open"),
        "license": None,
        "allow_forking": True,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "private" if repo.private else "public",
        "forks": 0,
        "open_issues": sum(1 for p in repo.pulls.values() if p.state == "open"),
        "watchers": 0,
        "default_branch": repo.default_branch,
        "network_count": 0,
        "subscribers_count": 0,
    }
    if permissions is not None:
        body["permissions"] = permissions
    if owner.type == "Organization":
        body["organization"] = user_summary(owner, api)
    return body


def repo_permissions(permission: str) -> dict[str, bool]:
    order = ["read", "triage", "write", "maintain", "admin"]
    level = order.index(permission) if permission in order else -1
    return {
        "admin": level >= 4,
        "maintain": level >= 3,
        "push": level >= 2,
        "triage": level >= 1,
        "pull": level >= 0,
    }


def permission_body(permission: str, user: User, api: str) -> dict[str, Any]:
    summary = user_summary(user, api)
    summary["permissions"] = repo_permissions(permission)
    summary["role_name"] = permission if permission != "none" else "none"
    return {"permission": "write" if permission == "maintain" else ("read" if permission == "triage" else permission),
            "role_name": permission, "user": summary}


# -- contents ----------------------------------------------------------------------------
def _content_links(repo: Repository, path: str, ref: str, api: str, kind: str, sha: str) -> dict[str, Any]:
    r = f"{api}/repos/{repo.full_name}"
    git = f"{r}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
    html = f"{HTML}/{repo.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref}/{path}"
    url = f"{r}/contents/{path}?ref={ref}"
    return {
        "url": url,
        "html_url": html,
        "git_url": git,
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}" if kind == "file" else None,
        "_links": {"self": url, "git": git, "html": html},
    }


def content_entry(repo: Repository, path: str, ref: str, api: str, kind: str, sha: str, size: int) -> dict[str, Any]:
    """One item of a directory listing (no content)."""
    body: dict[str, Any] = {"name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "size": size, "type": kind}
    body.update(_content_links(repo, path, ref, api, kind, sha))
    return body


def content_file(repo: Repository, path: str, ref: str, text: str, api: str) -> dict[str, Any]:
    """A file with its base64 content, wrapped at 60 characters as GitHub does."""
    data = text.encode()
    encoded = base64.b64encode(data).decode()
    wrapped = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    body = content_entry(repo, path, ref, api, "file", blob_sha(text), len(data))
    body["content"] = wrapped
    body["encoding"] = "base64"
    return body


# -- commits, branches, pulls ------------------------------------------------------------
def commit_body(repo: Repository, sha: str, api: str, author: User | None, message: str) -> dict[str, Any]:
    r = f"{api}/repos/{repo.full_name}"
    person = {"name": author.login if author else "Fake Hub", "email": f"{author.login if author else 'fakehub'}@example.com",
              "date": UPDATED}
    tree = hashlib.sha1(f"tree {sha}".encode()).hexdigest()
    return {
        "sha": sha,
        "node_id": node_id("Commit", int(sha[:8], 16)),
        "commit": {
            "author": person,
            "committer": person,
            "message": message,
            "tree": {"sha": tree, "url": f"{r}/git/trees/{tree}"},
            "url": f"{r}/git/commits/{sha}",
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                             "verified_at": None},
        },
        "url": f"{r}/commits/{sha}",
        "html_url": f"{HTML}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{r}/commits/{sha}/comments",
        "author": user_summary(author, api) if author else None,
        "committer": user_summary(author, api) if author else None,
        "parents": [],
        "stats": {"total": 0, "additions": 0, "deletions": 0},
        "files": [],
    }


def branch_body(repo: Repository, name: str, sha: str, api: str, author: User | None) -> dict[str, Any]:
    r = f"{api}/repos/{repo.full_name}"
    commit = commit_body(repo, sha, api, author, f"Head of {name}")
    for key in ("stats", "files"):
        commit.pop(key)
    return {
        "name": name,
        "commit": commit,
        "_links": {"self": f"{r}/branches/{name}", "html": f"{HTML}/{repo.full_name}/tree/{name}"},
        "protected": False,
        "protection": {"enabled": False, "required_status_checks": {"enforcement_level": "off", "contexts": [],
                                                                     "checks": []}},
        "protection_url": f"{r}/branches/{name}/protection",
    }


def author_association(permission: str) -> str:
    if permission in ("admin", "maintain", "write", "triage"):
        return "COLLABORATOR"
    return "CONTRIBUTOR"


def pull_body(
    repo: Repository,
    pr: Pull,
    api: str,
    author: User,
    base_repo: dict[str, Any],
    head_repo: dict[str, Any],
    head_owner: User,
    base_owner: User,
    base_sha: str,
) -> dict[str, Any]:
    r = f"{api}/repos/{repo.full_name}"
    p = f"{r}/pulls/{pr.number}"
    html = f"{HTML}/{repo.full_name}/pull/{pr.number}"
    issue = f"{r}/issues/{pr.number}"
    return {
        "url": p,
        "id": repo.id * 1000 + pr.number,
        "node_id": node_id("PullRequest", repo.id * 1000 + pr.number),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "number": pr.number,
        "state": pr.state,
        "locked": False,
        "title": pr.title,
        "user": user_summary(author, api),
        "body": pr.body or None,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "closed_at": None if pr.state == "open" else UPDATED,
        "merged_at": None,
        "merge_commit_sha": hashlib.sha1(f"merge {pr.head_sha}".encode()).hexdigest(),
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "labels": [],
        "milestone": None,
        "draft": False,
        "commits_url": f"{p}/commits",
        "review_comments_url": f"{p}/comments",
        "review_comment_url": f"{r}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": f"{r}/statuses/{pr.head_sha}",
        "head": {
            "label": f"{head_owner.login}:{pr.head_ref}",
            "ref": pr.head_ref,
            "sha": pr.head_sha,
            "user": user_summary(head_owner, api),
            "repo": head_repo,
        },
        "base": {
            "label": f"{base_owner.login}:{pr.base_ref}",
            "ref": pr.base_ref,
            "sha": base_sha,
            "user": user_summary(base_owner, api),
            "repo": base_repo,
        },
        "_links": {
            "self": {"href": p},
            "html": {"href": html},
            "issue": {"href": issue},
            "comments": {"href": f"{issue}/comments"},
            "review_comments": {"href": f"{p}/comments"},
            "review_comment": {"href": f"{r}/pulls/comments{{/number}}"},
            "commits": {"href": f"{p}/commits"},
            "statuses": {"href": f"{r}/statuses/{pr.head_sha}"},
        },
        "author_association": author_association(repo.permission(author.login)),
        "auto_merge": None,
        "active_lock_reason": None,
        "merged": False,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 1,
        "deletions": 0,
        "changed_files": 1,
    }


def pull_ref(repo: Repository, pr: Pull, api: str, base_sha: str) -> dict[str, Any]:
    """The short pull request form inside a check run."""
    short = {"id": repo.id, "url": f"{api}/repos/{repo.full_name}", "name": repo.name}
    return {
        "url": f"{api}/repos/{repo.full_name}/pulls/{pr.number}",
        "id": repo.id * 1000 + pr.number,
        "number": pr.number,
        "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": short},
        "base": {"ref": pr.base_ref, "sha": base_sha, "repo": short},
    }


# -- statuses, check runs ----------------------------------------------------------------
def status_body(repo: Repository, sha: str, status: dict[str, Any], creator: User, api: str) -> dict[str, Any]:
    return {
        "url": f"{api}/repos/{repo.full_name}/statuses/{sha}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{creator.id}?v=4",
        "id": status["id"],
        "node_id": node_id("StatusContext", status["id"]),
        "state": status["state"],
        "description": status.get("description"),
        "target_url": status.get("target_url"),
        "context": status.get("context") or "default",
        "created_at": status["created_at"],
        "updated_at": status["created_at"],
        "creator": user_summary(creator, api),
    }


def issue_comment_body(repo: Repository, number: int, comment: dict[str, Any], author: User, association: str,
                       api: str) -> dict[str, Any]:
    r = f"{api}/repos/{repo.full_name}"
    return {
        "url": f"{r}/issues/comments/{comment['id']}",
        "html_url": f"{HTML}/{repo.full_name}/pull/{number}#issuecomment-{comment['id']}",
        "issue_url": f"{r}/issues/{number}",
        "id": comment["id"],
        "node_id": node_id("IssueComment", comment["id"]),
        "user": user_summary(author, api),
        "created_at": comment["created_at"],
        "updated_at": comment["created_at"],
        "author_association": association,
        "body": comment["body"],
        "reactions": {"url": f"{r}/issues/comments/{comment['id']}/reactions", "total_count": 0, "+1": 0, "-1": 0,
                      "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0},
        "performed_via_github_app": None,
    }


def app_body(app: App, owner: User, api: str) -> dict[str, Any]:
    return {
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("App", app.id),
        "owner": user_summary(owner, api),
        "name": app.name,
        "description": f"{app.name} (api-tracer loopback GitHub)",
        "external_url": "https://packit.dev",
        "html_url": f"{HTML}/apps/{app.slug}",
        "created_at": CREATED,
        "updated_at": UPDATED,
        "permissions": INSTALLATION_PERMISSIONS,
        "events": ["check_run", "issue_comment", "pull_request", "push", "release"],
    }


def check_run_body(repo: Repository, run: dict[str, Any], api: str, app: dict[str, Any] | None,
                   pulls: list[dict[str, Any]]) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/check-runs/{run['id']}"
    output = run.get("output") or {}
    return {
        "id": run["id"],
        "name": run["name"],
        "node_id": node_id("CheckRun", run["id"]),
        "head_sha": run["head_sha"],
        "external_id": run.get("external_id") or "",
        "url": url,
        "html_url": f"{HTML}/{repo.full_name}/runs/{run['id']}",
        "details_url": run.get("details_url") or f"{HTML}/{repo.full_name}/runs/{run['id']}",
        "status": run["status"],
        "conclusion": run.get("conclusion"),
        "started_at": run.get("started_at"),
        "completed_at": run.get("completed_at"),
        "output": {
            "title": output.get("title"),
            "summary": output.get("summary"),
            "text": output.get("text"),
            "annotations_count": len(output.get("annotations") or []),
            "annotations_url": f"{url}/annotations",
        },
        "check_suite": {"id": run["check_suite_id"]},
        "app": app,
        "pull_requests": pulls,
    }


# -- apps --------------------------------------------------------------------------------
INSTALLATION_PERMISSIONS = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}


def installation_body(app: App, installation_id: int, account: User, api: str) -> dict[str, Any]:
    return {
        "id": installation_id,
        "account": user_summary(account, api),
        "repository_selection": "selected",
        "access_tokens_url": f"{api}/app/installations/{installation_id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": f"{HTML}/organizations/{account.login}/settings/installations/{installation_id}",
        "app_id": app.id,
        "app_slug": app.slug,
        "target_id": account.id,
        "target_type": account.type,
        "permissions": INSTALLATION_PERMISSIONS,
        "events": ["check_run", "issue_comment", "pull_request", "push", "release"],
        "created_at": CREATED,
        "updated_at": UPDATED,
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }


def access_token_body(token: str, expires_at: str) -> dict[str, Any]:
    return {
        "token": token,
        "expires_at": expires_at,
        "permissions": INSTALLATION_PERMISSIONS,
        "repository_selection": "selected",
    }


# -- rate limit --------------------------------------------------------------------------
_OTHER_RESOURCES = {
    "search": 30,
    "graphql": 5000,
    "integration_manifest": 5000,
    "source_import": 100,
    "code_scanning_upload": 5000,
    "actions_runner_registration": 10000,
    "scim": 15000,
    "dependency_snapshots": 100,
    "code_search": 10,
    "audit_log": 1750,
}


def rate_limit_body(limit: int, remaining: int, used: int, reset: int) -> dict[str, Any]:
    core = {"limit": limit, "used": used, "remaining": remaining, "reset": reset}
    resources: dict[str, Any] = {"core": core}
    for name, other in _OTHER_RESOURCES.items():
        resources[name] = {"limit": other, "used": 0, "remaining": other, "reset": reset}
    return {"resources": resources, "rate": dict(core)}
