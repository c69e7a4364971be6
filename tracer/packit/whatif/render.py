"""``api-tracer whatif`` output: plain (terminal), github (markdown for a packit-service issue),
json, and a chart.

JSON schema (``"schema": "api-tracer/whatif/v1"``)::

    {"schema": "api-tracer/whatif/v1", "profile": NAME, "chroots": int, "auth": "token" | "app",
     "rate_limit": int, "rank_by": "statuses-count" | "statuses-free",
     "today": VARIANT, "ranked": [VARIANT, ...],          # best first
     "already_in_profile": [FIX, ...]}                    # fixes whose knobs the profile already has
    VARIANT = {"label", "fixes": [FIX, ...], "knobs": {...}, "requests", "charged",
               "content_generating": {"statuses_count": int, "statuses_free": int}, "token_mints",
               "measured": {"statuses_count": CEILINGS, "statuses_free": CEILINGS},
               "model": {...same, from the model scenario of the same knobs},
               "in_model": bool,                          # false: the model has no parameter for it
               "gain": {"statuses_count": int | null, "statuses_free": int | null},   # PRs/h over today
               "model_gain": {...same, null when not in the model}}
    CEILINGS: as in ``tracer.packit.drift.render``
"""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from tracer.packit.model import RATE_LIMIT_TIERS, REQUEST_SECONDS
from tracer.packit.whatif.fixes import load_fixes
from tracer.packit.whatif.run import TODAY, Variant, WhatIf

FORMATS = ("plain", "github", "json")
_TABLEFMT = {"plain": "simple", "github": "github"}
ASSUMPTIONS = ("statuses count", "statuses free")


def _signed(value: int | None) -> str:
    return "" if value is None or value == 0 else f" ({value:+d})"


def _binding(result: WhatIf, v: Variant, i: int) -> str:
    text = v.measured[i].binding_text()
    return text if v.label == TODAY else text + _signed(result.gain(v, i))


def _promise(result: WhatIf, v: Variant) -> str:
    if v.label == TODAY:
        return " / ".join(v.model[i].binding_text() for i in (0, 1))
    if not v.in_model:
        return "not in the model"
    return " / ".join(f"{v.model[i].binding_text()}{_signed(result.model_gain(v, i))}" for i in (0, 1))


def _primary_tiers(v: Variant) -> str:
    charged = v.load.charged
    return " / ".join("-" if not charged else str(int(limit / charged)) for limit in sorted(set(RATE_LIMIT_TIERS.values())))


def _both(v: Variant, key: str) -> str:
    count, free = (v.measured[i].row(key) for i in (0, 1))
    return count.text() if count == free else f"{count.text()} / {free.text()}"


def command(result: WhatIf) -> str:
    return (f"api-tracer whatif --profile {result.profile.name} --chroots {result.chroots} --auth {result.auth}"
            + (f" --rank-by {result.rank_by}" if result.rank_by != "statuses-count" else ""))


def render_text(result: WhatIf, fmt: str = "plain") -> str:
    tablefmt = _TABLEFMT[fmt]
    code = (lambda s: f"`{s}`") if fmt == "github" else (lambda s: s)
    rows = [result.today, *result.ranked]
    out: list[str] = []
    title = (f"What would lift the ceiling: {result.profile.name}, {result.chroots} chroot"
             f"{'s' if result.chroots != 1 else ''}, {'as a GitHub App' if result.auth == 'app' else 'with a token'},"
             f" primary limit {result.rate_limit:,}/h")
    out += [f"### {title}" if fmt == "github" else title, ""]
    rank_words = "are" if result.rank_by == "statuses-count" else "are not"
    out.append(
        "Every figure is measured from a run of the reference worker (real ogr calls against a loopback "
        "GitHub). PRs/hour/organisation under the binding ceiling of all of GitHub's, if check runs and "
        "statuses are content-generating / if they are not (undocumented); the gain over today in brackets; "
        f"ranked by the first answer that differs, starting with \"they {rank_words}\". The model column is "
        "the published model's figure for the same change."
    )
    ranking = []
    for rank, v in enumerate(rows):
        ranking.append([
            "-" if v.label == TODAY else str(rank), v.label, str(v.load.requests), str(v.load.charged),
            f"{v.load.content_generating(True)} / {v.load.content_generating(False)}", str(v.load.token_mints),
            _binding(result, v, 0), _binding(result, v, 1), _promise(result, v),
        ])
    out += ["", tabulate(ranking, ["rank", "change", "requests", "charged", "content-gen.", "token mints",
                                   "PRs/h, statuses count", "PRs/h, statuses free", "model (count / free)"],
                         tablefmt=tablefmt, disable_numparse=True,
                         colalign=("right", "left", "right", "right", "right", "right", "left", "left", "left")), ""]
    tiers = " / ".join(f"{t:,}" for t in sorted(set(RATE_LIMIT_TIERS.values())))
    out.append(
        f"Every ceiling: PRs/hour [what one pipeline spends against it; per-minute and concurrent ones: the "
        f"busiest moment's share → pipelines that may reach it in the same minute]; two figures: statuses "
        f"count / statuses free. Primary at {tiers} requests/h; concurrency assumes {REQUEST_SECONDS:g} s a request."
    )
    ceilings = [[v.label, _primary_tiers(v), _both(v, "content-per-hour"), _both(v, "content-per-minute"),
                 _both(v, "points-per-minute"), _both(v, "concurrent")] for v in rows]
    out += ["", tabulate(ceilings, ["change", "primary", "content/h", "content/min", "points/min", "concurrent"],
                         tablefmt=tablefmt, disable_numparse=True), ""]
    if result.already:
        out.append("Already in " + result.profile.name + ": " + ", ".join(code(f.name) for f in result.already) + ".")
    described = {f.name: f for f in load_fixes()}
    used = [described[name] for name in dict.fromkeys(n for v in result.ranked for n in v.fixes)]
    if used:
        out += ["", "The changes:"]
        out += [f"- {code(f.name)}: {f.what}. Where: {f.where}." for f in used]
    out += ["", f"Made with {code(command(result))}."]
    return "\n".join(out)


def as_json(result: WhatIf) -> dict[str, Any]:
    """The whatif document (schema in this module's docstring)."""

    def variant(v: Variant) -> dict[str, Any]:
        return {
            "label": v.label,
            "fixes": list(v.fixes),
            "knobs": v.knobs.as_dict(),
            "requests": v.load.requests,
            "charged": v.load.charged,
            "content_generating": {"statuses_count": v.load.content_generating(True),
                                   "statuses_free": v.load.content_generating(False)},
            "token_mints": v.load.token_mints,
            "measured": {name: c.as_dict() for name, c in zip(("statuses_count", "statuses_free"), v.measured)},
            "model": {name: c.as_dict() for name, c in zip(("statuses_count", "statuses_free"), v.model)},
            "in_model": v.in_model,
            "gain": {name: result.gain(v, i) for i, name in enumerate(("statuses_count", "statuses_free"))},
            "model_gain": {name: result.model_gain(v, i) for i, name in enumerate(("statuses_count", "statuses_free"))},
        }

    return {
        "schema": "api-tracer/whatif/v1",
        "profile": result.profile.name,
        "chroots": result.chroots,
        "auth": result.auth,
        "rate_limit": result.rate_limit,
        "rank_by": result.rank_by,
        "today": variant(result.today),
        "ranked": [variant(v) for v in result.ranked],
        "already_in_profile": [f.name for f in result.already],
    }


def render_json(result: WhatIf, chart: str | None = None) -> dict[str, Any]:
    return {**as_json(result), "chart": chart}


def write_chart(result: WhatIf, path: str) -> None:
    """Horizontal bars: PRs/hour under the binding ceiling for each change, both answers about
    statuses, the model's figure for the same change as a marker."""
    from tracer.packit.charts import new_figure, save_figure

    rows = [result.today, *result.ranked]
    fig = new_figure(figsize=(10, 0.45 * len(rows) + 1.6))
    ax = fig.add_subplot(1, 1, 1)
    height = 0.38
    labels = [v.label for v in rows]
    for i, (name, offset) in enumerate(zip(ASSUMPTIONS, (-height / 2, height / 2))):
        values = [v.prs(i) or 0 for v in rows]
        ax.barh([y + offset for y in range(len(rows))], values, height=height, label=f"measured, {name}")
    for i, (name, offset, marker) in enumerate(zip(ASSUMPTIONS, (-height / 2, height / 2), ("|", "x"))):
        model = [(y, v.model_prs(i)) for y, v in enumerate(rows) if (v.label == TODAY or v.in_model) and v.model_prs(i)]
        if model:
            ax.scatter([m for _, m in model], [y + offset for y, _ in model], marker=marker, s=120 if marker == "x" else 300,
                       color="black", label=f"model, {name}", zorder=3)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("PRs/hour/organisation under the binding ceiling")
    ax.set_title(f"api-tracer whatif: {result.profile.name}, {result.chroots} chroots", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save_figure(fig, path)
