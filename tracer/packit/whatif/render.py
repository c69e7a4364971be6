"""``api-tracer whatif`` output: plain (terminal), github (markdown for a packit-service issue),
json, and a chart.

JSON document (``"format": "api-tracer/whatif", "version": 2``)::

    {"format": "api-tracer/whatif", "version": 2, "profile": NAME, "chroots": int, "auth": "token" | "app",
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

from tracer.document import Document, json_document
from tracer.packit.model import RATE_LIMIT_TIERS, REQUEST_SECONDS
from tracer.packit.whatif.fixes import load_fixes
from tracer.packit.whatif.run import TODAY, Variant, WhatIf

#: the JSON document's name and version (its header: :func:`tracer.document.json_document`)
DOCUMENT, VERSION = "whatif", 2
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


def render_text(result: WhatIf, fmt: str = "plain", width: int | None = None) -> str:
    """The ranking, every ceiling and the changes, in plain text or GitHub markdown (plain
    tables narrowed to ``width``)."""
    doc = Document(fmt, width)
    code = doc.code
    rows = [result.today, *result.ranked]
    title = (f"What would lift the ceiling: {result.profile.name}, {result.chroots} chroot"
             f"{'s' if result.chroots != 1 else ''}, {'as a GitHub App' if result.auth == 'app' else 'with a token'},"
             f" primary limit {result.rate_limit:,}/h")
    doc.heading(title, 2)
    doc.blank()
    rank_words = "are" if result.rank_by == "statuses-count" else "are not"
    doc.text(
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
    doc.table(ranking, ["rank", "change", "requests", "charged", "content-gen.", "token mints",
                        "PRs/h, statuses count", "PRs/h, statuses free", "model (count / free)"],
              colalign=("right", "left", "right", "right", "right", "right", "left", "left", "left"))
    tiers = " / ".join(f"{t:,}" for t in sorted(set(RATE_LIMIT_TIERS.values())))
    doc.text(
        f"Every ceiling: PRs/hour [what one pipeline spends against it; per-minute and concurrent ones: the "
        f"busiest moment's share → pipelines that may reach it in the same minute]; two figures: statuses "
        f"count / statuses free. Primary at {tiers} requests/h; concurrency assumes {REQUEST_SECONDS:g} s a request."
    )
    ceilings = [[v.label, _primary_tiers(v), _both(v, "content-per-hour"), _both(v, "content-per-minute"),
                 _both(v, "points-per-minute"), _both(v, "concurrent")] for v in rows]
    doc.table(ceilings, ["change", "primary", "content/h", "content/min", "points/min", "concurrent"])
    if result.already:
        doc.text("Already in " + result.profile.name + ": " + ", ".join(code(f.name) for f in result.already) + ".")
    described = {f.name: f for f in load_fixes()}
    used = [described[name] for name in dict.fromkeys(n for v in result.ranked for n in v.fixes)]
    if used:
        doc.blank()
        doc.text("The changes:", *(f"- {code(f.name)}: {f.what}. Where: {f.where}." for f in used))
    doc.blank()
    doc.text(f"Made with {code(command(result))}.")
    return str(doc)


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

    return json_document(DOCUMENT, VERSION, {
        "profile": result.profile.name,
        "chroots": result.chroots,
        "auth": result.auth,
        "rate_limit": result.rate_limit,
        "rank_by": result.rank_by,
        "today": variant(result.today),
        "ranked": [variant(v) for v in result.ranked],
        "already_in_profile": [f.name for f in result.already],
    })


def render_json(result: WhatIf, chart: str | None = None) -> dict[str, Any]:
    return {**as_json(result), "chart": chart}


def chart_label(label: str, width: int = 34) -> str:
    """A change's name on lines of at most ``width`` characters, broken between fixes.

    >>> print(chart_label("build-flags-only + project-per-pipeline + cache-target-branch"))
    build-flags-only
    + project-per-pipeline
    + cache-target-branch
    """
    lines: list[str] = []
    for i, part in enumerate(label.split(" + ")):
        piece = part if i == 0 else f"+ {part}"
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return "\n".join(lines)


def write_chart(result: WhatIf, path: str) -> None:
    """Horizontal bars: PRs/hour under the binding ceiling for each change, both answers about
    statuses, the model's figure for the same change as a marker; long names on several lines."""
    from tracer.packit.charts import new_figure, save_figure

    rows = [result.today, *result.ranked]
    labels = [chart_label(v.label) for v in rows]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = new_figure(figsize=(11, 0.2 * lines + 0.3 * len(rows) + 1.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    height = 0.38
    for i, (name, offset) in enumerate(zip(ASSUMPTIONS, (-height / 2, height / 2))):
        values = [v.prs(i) or 0 for v in rows]
        bars = ax.barh([y + offset for y in range(len(rows))], values, height=height, label=f"measured, {name}")
        ax.bar_label(bars, padding=2, fontsize=7)
    for i, (name, offset, marker) in enumerate(zip(ASSUMPTIONS, (-height / 2, height / 2), ("|", "x"))):
        model = [(y, v.model_prs(i)) for y, v in enumerate(rows) if (v.label == TODAY or v.in_model) and v.model_prs(i)]
        if model:
            ax.scatter([m for _, m in model], [y + offset for y, _ in model], marker=marker,
                       s=90 if marker == "x" else 220, color="black", label=f"model, {name}", zorder=3)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.margins(x=0.08)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_xlabel("PRs/hour/organisation under the binding ceiling")
    fig.legend(fontsize=8, loc="outside lower center", ncols=4, frameon=False)
    auth = "as a GitHub App" if result.auth == "app" else "with a token"
    fig.suptitle(f"api-tracer whatif: {result.profile.name}, {result.chroots} chroot{'s' if result.chroots != 1 else ''},"
                 f" {auth}: PRs/hour with each change", fontsize=11)
    save_figure(fig, path)
