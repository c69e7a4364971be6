"""What would lift the ceiling: the reference worker with each fix packit could make, measured.

    from tracer.packit.whatif import whatif, render_text
    result = whatif("HEAD", 3)                 # today, each fix alone, the best ones together
    print(render_text(result, "github"))       # ranked, ready to paste into a packit-service issue

The fixes are data (``fixes.yaml``): each sets worker knobs (tracer.packit.worker). Glue like
``tracer.packit.runs``: it uses the worker, the loopback, the model and the drift room's trace load.
"""

from tracer.packit.whatif.fixes import Fix, fix_names, get_fixes, load_fixes, parse_fixes
from tracer.packit.whatif.render import render_json, render_text, write_chart
from tracer.packit.whatif.run import RANK_BY, Variant, WhatIf, loopback_runner, whatif

__all__ = [
    "whatif", "loopback_runner", "WhatIf", "Variant", "Fix", "get_fixes", "render_text", "render_json",
    "write_chart",
]
