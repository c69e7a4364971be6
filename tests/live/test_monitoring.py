"""The monitoring shipped for live mode (tracer/live/monitoring): Prometheus rules tested with
promtool, each alert both firing and silent, and the Grafana dashboard's every expression
evaluated by a real Prometheus that loads the rules."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import yaml

from live_servers import PrometheusServer, binary
from tracer.live import names
from tracer.live.monitoring import DASHBOARD, RULES, RULES_TESTS


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("promtool", "prometheus"), *args], capture_output=True, text=True, timeout=300)


def test_the_rules_pass_promtool_check_and_their_unit_tests():
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", str(RULES_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_each_alert_has_a_test_that_fires_it_and_one_that_does_not():
    rules = yaml.safe_load(RULES.read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert {"ApiTracerInstallationBudgetExhaustionProjected", "ApiTracerCallsPerPullRequestRising",
            "ApiTracerNoCallsCounted"} <= alerts
    cases = [c for t in yaml.safe_load(RULES_TESTS.read_text())["tests"] for c in t.get("alert_rule_test", [])]
    for alert in alerts:
        outcomes = {bool(c["exp_alerts"]) for c in cases if c["alertname"] == alert}
        assert outcomes == {True, False}, f"{alert}: tests that fire it and tests that do not: {outcomes}"


def test_a_broken_expectation_fails_promtool(tmp_path):
    """The unit tests can fail: the same tests expecting another value fail."""
    (tmp_path / RULES.name).write_text(RULES.read_text())
    wrong = RULES_TESTS.read_text().replace("made 130.0 requests", "made 120.0 requests")
    (tmp_path / RULES_TESTS.name).write_text(wrong)
    result = promtool("test", "rules", str(tmp_path / RULES_TESTS.name))
    assert result.returncode != 0 and "ApiTracerCallsPerPullRequestRising" in result.stdout + result.stderr


def test_the_rules_use_only_metrics_live_mode_exports():
    exported = {f"{names.PREFIX}_{m}{suffix}" for m in names.LABELS for suffix in ("_total", "", "_bucket")}
    text = RULES.read_text() + DASHBOARD.read_text()
    used = set(re.findall(r"\bapi_tracer_[a-z_]+", text))
    assert used and used <= exported, used - exported


def _expressions(dashboard: dict) -> list[tuple[str, str]]:
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            found.append((panel["title"], target["expr"]))
    return found


def test_the_dashboard_is_valid_and_every_expression_evaluates(tmp_path):
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["schemaVersion"] >= 30
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert {"datasource", "forge", "handler"} <= variables
    titles = " ".join(p["title"] for p in dashboard["panels"])
    for wanted in ("per handler", "per category", "per forge", "PRs/hour"):
        assert wanted in titles, wanted
    expressions = _expressions(dashboard)
    assert len(expressions) >= 12
    for variable in re.findall(r"\$(\w+)", " ".join(e for _, e in expressions)):
        assert variable in variables or variable.startswith("__"), variable
    with PrometheusServer(tmp_path / "prom", {}, rule_files=[RULES]) as prometheus:
        for title, expr in expressions:
            promql = expr.replace("$__rate_interval", "5m").replace('"$forge"', '".*"').replace('"$handler"', '".*"')
            url = f"{prometheus.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = json.load(r)
            except urllib.error.HTTPError as exc:
                body = json.load(exc)
            assert body["status"] == "success", f"{title}: {expr}: {body.get('error')}"
        with urllib.request.urlopen(f"{prometheus.url}/api/v1/rules", timeout=10) as r:
            groups = json.load(r)["data"]["groups"]
        assert {g["name"] for g in groups} == {"api-tracer.recording", "api-tracer.alerts"}
        assert all(rule["health"] in ("ok", "unknown") for g in groups for rule in g["rules"])
