"""Recording: per-handler cassettes, manifest, secret scrubbing, replay, stats and requre import."""
