"""Run the pipeline today, with each fix alone and with the best ones together; rank them.

Every figure comes from a run of the reference worker against a loopback GitHub (the same ogr
calls, counted by the tracer), turned into a pipeline load and its ceilings
(:mod:`tracer.packit.model.ceilings`); the model's figures for the same change are computed from the
model scenario of the same knobs, beside them, never instead of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tracer.capture import Trace
from tracer.packit.drift.load import trace_load
from tracer.errors import UsageError
from tracer.packit.model import Ceilings, PipelineLoad, Scenario, both_ceilings, model_load
from tracer.packit.knobs import model_parameter
from tracer.packit.runs import model_parameters
from tracer.packit.whatif.fixes import Fix, get_fixes
from tracer.packit.worker import Knobs, Profile, load_profile, resolve_knobs

#: what the ranking sorts by: PRs/hour under the binding ceiling when check runs and statuses
#: are content-generating ("statuses-count", the cautious answer) or not ("statuses-free")
RANK_BY = ("statuses-count", "statuses-free")
TODAY = "today"


@dataclass
class Variant:
    """One run: today's worker, a fix alone, or several fixes together."""

    label: str
    fixes: tuple[str, ...]
    knobs: Knobs
    trace: Trace
    load: PipelineLoad
    measured: tuple[Ceilings, Ceilings]  # (statuses count, statuses free)
    model: tuple[Ceilings, Ceilings]
    in_model: bool  # one of its knobs is a model parameter (else the model promises nothing)

    @property
    def combined(self) -> bool:
        return len(self.fixes) > 1

    def prs(self, assumption: int) -> int | None:
        return self.measured[assumption].prs_per_hour

    def model_prs(self, assumption: int) -> int | None:
        return self.model[assumption].prs_per_hour


@dataclass
class WhatIf:
    profile: Profile
    chroots: int
    auth: str
    rate_limit: int
    rank_by: str
    today: Variant
    ranked: list[Variant]  # fixes alone and together, best first
    already: list[Fix] = field(default_factory=list)  # fixes this profile already has

    @property
    def rank_index(self) -> int:
        return RANK_BY.index(self.rank_by)

    def gain(self, variant: Variant, assumption: int) -> int | None:
        """PRs/hour over today's worker under the binding ceiling (None: no ceiling binds)."""
        a, b = variant.prs(assumption), self.today.prs(assumption)
        return None if a is None or b is None else a - b

    def model_gain(self, variant: Variant, assumption: int) -> int | None:
        if not variant.in_model:
            return None
        a, b = variant.model_prs(assumption), self.today.model_prs(assumption)
        return None if a is None or b is None else a - b


Runner = Callable[[Profile, Knobs, str], Trace]


def _sort_key(variant: Variant, first: int) -> tuple[float, ...]:
    def prs(i: int) -> float:
        value = variant.prs(i)
        return float("inf") if value is None else value

    load = variant.load
    return (-prs(first), -prs(1 - first), load.charged, load.requests, load.token_mints, len(variant.fixes))


def _helps(variant: Variant, today: Variant) -> bool:
    a, b = variant.load, today.load
    return (a.requests, a.charged, a.writes) != (b.requests, b.charged, b.writes)


def _compatible(chosen: list[Fix], fix: Fix) -> bool:
    """A fix that sets a knob an earlier one already set (project-per-task after
    project-per-pipeline) is left out of the combination."""
    return not any(set(fix.knobs) & set(other.knobs) for other in chosen)


def whatif(
    profile: str | Path | Profile,
    chroots: int,
    fix_names: list[str] | None = None,
    *,
    auth: str = "app",
    rate_limit: int = 5000,
    rank_by: str = "statuses-count",
    runner: Runner | None = None,
) -> WhatIf:
    """Measure today's pipeline, each fix alone and, cumulatively in ranking order, the fixes
    that changed anything together (2, 3, … of them)."""
    if rank_by not in RANK_BY:
        raise UsageError(f"rank by one of {', '.join(RANK_BY)}, got {rank_by!r}")
    prof = load_profile(profile)
    fixes = get_fixes(fix_names)
    run = runner or loopback_runner()
    today_knobs = resolve_knobs(prof, Knobs(chroots=chroots, auth=auth))

    def measure(label: str, applied: tuple[Fix, ...], knobs: Knobs) -> Variant:
        trace = run(prof, knobs, label)
        load = trace_load(trace)
        params = model_parameters(prof, knobs)
        scenario = Scenario(**params, rate_limit=rate_limit)
        in_model = any(model_parameter(k) for fix in applied for k in fix.knobs)
        return Variant(label, tuple(f.name for f in applied), knobs, trace, load,
                       both_ceilings(load, rate_limit), both_ceilings(model_load(scenario), rate_limit), in_model)

    today = measure(TODAY, (), today_knobs)
    first = RANK_BY.index(rank_by)
    singles: list[tuple[Fix, Variant]] = []
    already: list[Fix] = []
    for fix in fixes:
        knobs = resolve_knobs(prof, fix.apply(today_knobs))
        if knobs == today_knobs:
            already.append(fix)
            continue
        singles.append((fix, measure(fix.name, (fix,), knobs)))
    singles.sort(key=lambda pair: _sort_key(pair[1], first))
    helpful: list[Fix] = []
    for fix, variant in singles:
        if _helps(variant, today) and _compatible(helpful, fix):
            helpful.append(fix)
    combos = []
    for k in range(2, len(helpful) + 1):
        chosen = tuple(helpful[:k])
        knobs = today_knobs
        for fix in chosen:
            knobs = fix.apply(knobs)
        combos.append(measure(" + ".join(f.name for f in chosen), chosen, resolve_knobs(prof, knobs)))
    ranked = sorted([v for _, v in singles] + combos, key=lambda v: _sort_key(v, first))
    return WhatIf(prof, chroots, auth, rate_limit, rank_by, today, ranked, already)


def loopback_runner(save: str | Path | None = None) -> Runner:
    """Runs each variant against a fresh loopback GitHub; with ``save`` also records it as a run
    folder ``save/<label>`` (replayable, and ``api-tracer drift save/`` compares them)."""
    keys: list[str] = []

    def run(profile: Profile, knobs: Knobs, label: str) -> Trace:
        from tracer.packit.loopback import generate_app_key
        from tracer.packit.worker.loopback_run import run_on_loopback

        # 1024 bits: PyJWT re-reads the PEM for every JWT it signs (5 ms, 40 ms at 2048 bits); the
        # requests are the same whatever the key's size. Made once, at the first run.
        if not keys:
            keys.append(generate_app_key(1024))
        key = keys[0]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The RSA key is 1024 bits long")
            warnings.simplefilter("ignore", DeprecationWarning)
            if save is None:
                return run_on_loopback(profile, knobs, app_key=key).trace
            from tracer.packit.runs import record_on_loopback

            name = label.replace(" + ", "+")
            _, trace = record_on_loopback(profile, knobs, Path(save) / name, name=name, app_key=key,
                                          description=f"api-tracer whatif: {label}")
            return trace

    return run
