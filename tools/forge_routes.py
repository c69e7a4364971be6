"""Write a forge's route table (``tracer/capture/forges/<forge>-routes.yaml``) from its API
description, every placeholder named by the one rule of :mod:`tracer.capture.routes`.

    python tools/forge_routes.py github  api.github.com.json  --source "..."
    python tools/forge_routes.py forgejo forgejo-client.js    --source "..."
    python tools/forge_routes.py pagure  PAGURE_CHECKOUT      --source "..."

- github: GitHub's OpenAPI description (github/rest-api-description's ``api.github.com.json``,
  also shipped as ``generated/api.github.com.json`` in the npm package ``@octokit/openapi``);
  a parameter marked ``x-multi-segment`` spans slashes.
- forgejo: Forgejo's swagger (``templates/swagger/v1_json.tmpl``, JSON), or a client generated
  from it that keeps each operation's method and path verbatim (``@llamaduck/forgejo-ts``'s
  ``dist/index.js``); ``filepath`` spans slashes, as Forgejo's router reads it.
- pagure: a checkout of Pagure; its API blueprint's flask routes (``pagure/api``, under
  ``/api/0``); ``<path:x>`` spans slashes. The web routes ogr reads (raw files, patches) are
  listed in ``forges.yaml``, not here.

GitLab publishes no complete machine-readable description; its table is written from the REST
API documentation pages, each route with its page (``gitlab-routes.yaml``, by hand).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracer.capture.routes import problems, snake  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tracer" / "capture" / "forges"
METHODS = ("get", "post", "put", "patch", "delete", "head")


def github(path: Path) -> list[tuple[str, str]]:
    spec = json.loads(path.read_text())
    shared = spec.get("components", {}).get("parameters", {})
    routes = []
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            spans = set()
            for param in list(item.get("parameters", [])) + list(op.get("parameters", [])):
                if "$ref" in param:
                    param = shared.get(param["$ref"].rsplit("/", 1)[-1], {})
                if param.get("in") == "path" and param.get("x-multi-segment"):
                    spans.add(param["name"])
            routes.append((method.upper(), _name(template, spans)))
    return routes


def forgejo(path: Path) -> list[tuple[str, str]]:
    text = path.read_text()
    if text.lstrip().startswith("{"):
        spec = json.loads(text)
        pairs = [(m, p) for p, item in spec["paths"].items() for m in item if m in METHODS]
    else:  # a generated client: each operation's `.get({ ... url: "/path" })`
        pairs = []
        for found in re.finditer(r'url: "([^"]+)"', text):
            calls = list(re.finditer(r"\)\.(get|post|put|patch|delete|head)\(\{", text[max(0, found.start() - 3000) : found.start()]))
            if calls:
                pairs.append((calls[-1].group(1), found.group(1)))
    return [(m.upper(), _name(p, {"filepath"})) for m, p in dict.fromkeys(pairs)]


def pagure(checkout: Path) -> list[tuple[str, str]]:
    routes = []
    for source in sorted((checkout / "pagure" / "api").rglob("*.py")):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "route"):
                    continue
                if not (isinstance(deco.func.value, ast.Name) and deco.func.value.id == "API"):
                    continue
                rule = ast.literal_eval(deco.args[0])
                methods = ["GET"]
                for kw in deco.keywords:
                    if kw.arg == "methods":
                        methods = ast.literal_eval(kw.value)
                for method in methods:
                    routes.append((method.upper(), flask_template(rule)))
    return list(dict.fromkeys(routes))


def flask_template(rule: str) -> str:
    """``/<repo>/pull-request/<int:requestid>`` → ``/{repo}/pull-request/{requestid}``."""
    def one(m: re.Match[str]) -> str:
        converter, _, name = m.group(1).rpartition(":")
        return "{" + snake(name) + ("+" if converter == "path" else "") + "}"

    return re.sub(r"<([^>]+)>", one, rule)


def _name(template: str, spans: set[str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: "{" + snake(m.group(1)) + ("+" if m.group(1) in spans else "") + "}", template)


def write(forge: str, routes: list[tuple[str, str]], source: str) -> Path:
    bad = [(r, p) for r in routes for p in problems(r[1])]
    if bad:
        raise SystemExit(f"{forge}: {bad[0][0][0]} {bad[0][0][1]}: {bad[0][1]}")
    lines = [
        f"# {forge}'s API routes, generated by tools/forge_routes.py from the source below; do not edit by hand.",
        f"forge: {forge}",
        f"source: {json.dumps(source)}",
        "routes:",
    ]
    lines += [f"  - {method} {template}" for method, template in sorted(set(routes), key=lambda r: (r[1], r[0]))]
    out = OUT / f"{forge}-routes.yaml"
    out.write_text("\n".join(lines) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("forge", choices=["github", "forgejo", "pagure"])
    parser.add_argument("description", type=Path)
    parser.add_argument("--source", required=True, help="what the description is and where it comes from")
    args = parser.parse_args()
    routes = {"github": github, "forgejo": forgejo, "pagure": pagure}[args.forge](args.description)
    print(write(args.forge, routes, args.source), len(routes), "routes")


if __name__ == "__main__":
    main()
