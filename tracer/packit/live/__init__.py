"""packit-service in live mode: its label table (data) and the measurement side of
``drift --prometheus`` and ``drift --live-traces``."""
