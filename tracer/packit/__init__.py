"""The packit study: packit-service's GitHub calls against the published model.

Built on the tracer library (``tracer.capture``, ``tracer.recording``, ``tracer.budget``,
``tracer.live``), which never imports it: the published model (``model``), the reference worker
(``worker``), the loopback servers (``loopback``), drift reports (``drift``), what-if runs
(``whatif``), and the glue that records and replays runs (``runs``, ``measurements``).
"""
