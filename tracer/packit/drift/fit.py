"""Fitted cost: calls per pipeline as a + b·N over measurements at several chroot counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracer.packit.categories import CATEGORIES
from tracer.packit.drift.compare import TOTAL
from tracer.packit.drift.measurement import Measurement
from tracer.packit.drift.scenario import model_without_chroots
from tracer.errors import UsageError
from tracer.packit.model import totals

#: what a fitted line counts: every request, the charged ones, or the model's calls
KINDS: tuple[str, ...] = ("requests", "charged", "model")
_EPS = 1e-9


@dataclass(frozen=True)
class Line:
    """``a + b·N`` fitted by least squares to ``points`` (N, calls); ``residual`` = max |error|."""

    a: float
    b: float
    residual: float
    points: tuple[tuple[int, int], ...]

    def at(self, n: float) -> float:
        return self.a + self.b * n

    @property
    def exact(self) -> bool:
        """Every point lies on the line."""
        return self.residual < 1e-6

    def __str__(self) -> str:
        return format_line(self.a, self.b)


def _num(x: float) -> str:
    r = round(x)
    if abs(x - r) < 1e-6:
        return str(int(r))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def format_line(a: float, b: float) -> str:
    """``18 + 43·N``, ``43·N``, ``7``, ``2 − 0.5·N``."""
    if abs(b) < 1e-6:
        return _num(a)
    slope = "N" if abs(abs(b) - 1) < 1e-6 else f"{_num(abs(b))}·N"
    if abs(a) < 1e-6:
        return slope if b > 0 else f"−{slope}"
    return f"{_num(a)} {'+' if b > 0 else '−'} {slope}"


def fit_line(points: Sequence[tuple[int, int]]) -> Line:
    """Least squares through ``(N, calls)`` points; needs two distinct N (exact with two)."""
    xs = [float(n) for n, _ in points]
    if len(set(xs)) < 2:
        raise UsageError("a + b·N needs measurements at two or more chroot counts")
    k = len(points)
    mx = sum(xs) / k
    my = sum(y for _, y in points) / k
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, (_, y) in zip(xs, points))
    b = sxy / sxx
    a = my - b * mx
    residual = max(abs(y - (a + b * x)) for x, (_, y) in zip(xs, points))
    return Line(_clean(a), _clean(b), residual if residual > _EPS else 0.0, tuple(points))


def _clean(x: float) -> float:
    r = round(x)
    return float(r) if abs(x - r) < _EPS else x


@dataclass
class Fit:
    """Measurements of one profile and knobs at several chroot counts, and the lines through them."""

    profile: str
    knobs: dict[str, Any]  # without chroots
    model: dict[str, Any]  # the Scenario parameters without chroots
    chroots: list[int]
    runs: list[str]
    #: {category | "total": {"requests" | "charged" | "model": Line}}; model only for the four
    #: model categories and the total
    lines: dict[str, dict[str, Line]]


def _key(m: Measurement) -> tuple[str, str, str]:
    knobs = {k: v for k, v in m.knobs.items() if k != "chroots"}
    return (m.profile, repr(sorted(knobs.items())), repr(sorted(model_without_chroots(m.scenario).items())))


def fit_measurements(measurements: Sequence[Measurement]) -> list[Fit]:
    """One :class:`Fit` per group of measurements that differ only in chroots (≥ 2 distinct N)."""
    groups: dict[tuple[str, str, str], list[Measurement]] = {}
    for m in measurements:
        groups.setdefault(_key(m), []).append(m)
    fits = []
    for members in groups.values():
        members = sorted(members, key=lambda m: m.chroots)
        ns = [m.chroots for m in members]
        if len(set(ns)) < 2:
            continue
        lines: dict[str, dict[str, Line]] = {}
        req = [m.trace.categories("requests") for m in members]
        chg = [m.trace.categories("charged") for m in members]
        model = [totals(m.scenario).as_dict() for m in members]
        for cat in CATEGORIES:
            lines[cat] = {
                "requests": fit_line([(n, r[cat]) for n, r in zip(ns, req)]),
                "charged": fit_line([(n, c[cat]) for n, c in zip(ns, chg)]),
            }
            if cat in model[0]:
                lines[cat]["model"] = fit_line([(n, v[cat]) for n, v in zip(ns, model)])
        lines[TOTAL] = {
            "requests": fit_line([(m.chroots, m.trace.requests) for m in members]),
            "charged": fit_line([(m.chroots, m.trace.charged) for m in members]),
            "model": fit_line([(n, sum(v.values())) for n, v in zip(ns, model)]),
        }
        first = members[0]
        fits.append(Fit(
            profile=first.profile,
            knobs={k: v for k, v in first.knobs.items() if k != "chroots"},
            model=model_without_chroots(first.scenario),
            chroots=ns,
            runs=[m.name for m in members],
            lines=lines,
        ))
    return fits
