"""Monitoring for live mode, as data: Prometheus recording and alerting rules, their promtool
unit tests, and a Grafana dashboard (see the README's "Live mode: alerts and dashboard")::

    from tracer.live.monitoring import RULES, DASHBOARD   # paths of the shipped files
    # promtool check rules $RULES && promtool test rules $RULES_TESTS
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
#: recording rules (cost per PR, PRs/hour capacity and headroom) and the alerts
RULES = HERE / "rules.yaml"
#: promtool unit tests of the rules: every alert firing and silent
RULES_TESTS = HERE / "rules.test.yaml"
#: Grafana dashboard: calls per handler, category and forge, cost per PR, PRs/hour headroom
DASHBOARD = HERE / "dashboard.json"

__all__ = ["DASHBOARD", "HERE", "RULES", "RULES_TESTS"]
