"""World data files for the loopback GitHub (YAML; see tracer.packit.loopback.world)."""
