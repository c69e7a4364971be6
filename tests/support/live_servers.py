"""Real servers for the live-mode tests, each on a free loopback port and stopped after.

- :class:`RedisServer`: Debian's ``redis-server`` (Celery's broker);
- :class:`PrometheusServer`: Debian's ``prometheus``, scraping the targets given;
- :class:`AggregatingGateway`: a small aggregating push gateway in-process, as
  prom-aggregation-gateway behaves (it is a Go program, on neither PyPI nor Debian): every push
  to ``/metrics/job/<job>`` adds its counters and histograms to what it holds (gauges too, as
  prom-aggregation-gateway does), labelled with the job; ``GET /metrics`` serves the sums;
- :class:`CeleryWorker`: ``celery worker`` in a subprocess.

A missing binary fails the test naming the Debian package to install; it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

SUPPORT = Path(__file__).resolve().parent  # live_fleet, for `celery -A live_fleet`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def binary(name: str, package: str) -> str:
    """The path of ``name``, or a failed test that says which package brings it."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install {package} (.ci/run installs it)", pytrace=False)
    return path


def _wait(check: Any, what: str, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up in {timeout:.0f} s")


class _Process:
    proc: subprocess.Popen[bytes] | None = None
    log: Path

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class RedisServer(_Process):
    def __init__(self, workdir: Path) -> None:
        self.exe = binary("redis-server", "redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.log = workdir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--daemonize", "no", "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        _wait(ping, "redis-server", proc=self.proc)
        return self


class PrometheusServer(_Process):
    """Prometheus scraping ``targets`` (job name → ``host:port``) every ``interval``, evaluating
    the rules of ``rule_files``."""

    def __init__(self, workdir: Path, targets: Mapping[str, str], interval: str = "1s",
                 rule_files: Iterable[Path] = ()) -> None:
        self.exe = binary("prometheus", "prometheus")
        self.port = free_port()
        self.workdir = workdir
        self.targets = dict(targets)
        self.interval = interval
        self.rule_files = [str(p) for p in rule_files]
        self.log = workdir / "prometheus.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> PrometheusServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = {
            "global": {"scrape_interval": self.interval, "evaluation_interval": self.interval},
            "scrape_configs": [
                {"job_name": job, "honor_labels": True, "static_configs": [{"targets": [target]}]}
                for job, target in self.targets.items()
            ],
            "rule_files": self.rule_files,
        }
        (self.workdir / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [self.exe, f"--config.file={self.workdir / 'prometheus.yml'}",
                 f"--storage.tsdb.path={self.workdir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
                 "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT,
            )
        _wait(lambda: urllib.request.urlopen(f"{self.url}/-/ready", timeout=1).status == 200,
              "prometheus", timeout=30, proc=self.proc)
        return self

    def query(self, promql: str) -> list[dict[str, Any]]:
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def scraped_after(self, moment: float, jobs: Iterable[str], timeout: float = 30.0) -> None:
        """Wait until every job's target was scraped (successfully) after ``moment`` (epoch s)."""
        def fresh() -> bool:
            rows = self.query("up")
            seen = {r["metric"].get("job"): (float(r["value"][0]), r["value"][1]) for r in rows}
            return all(job in seen and seen[job][1] == "1" and seen[job][0] > moment + 1.5 for job in jobs)

        _wait(fresh, f"a Prometheus scrape of {', '.join(jobs)}", timeout=timeout, proc=self.proc)


class AggregatingGateway:
    """An aggregating push gateway (prom-aggregation-gateway's behaviour) on a free port."""

    def __init__(self) -> None:
        self.samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self.types: dict[str, str] = {}
        self.pushes = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self) -> None:
                parts = self.path.strip("/").split("/")
                if len(parts) < 3 or parts[:2] != ["metrics", "job"]:
                    return self._reply(404)
                grouping = dict(zip(parts[1::2], parts[2::2]))
                text = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                gateway.add(text, grouping)
                self._reply(202)

            do_POST = do_PUT

            def do_GET(self) -> None:
                if self.path.rstrip("/") != "/metrics":
                    return self._reply(404)
                self._reply(200, gateway.exposition().encode(), "text/plain; version=0.0.4")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, text: str, grouping: Mapping[str, str]) -> None:
        with self._lock:
            self.pushes += 1
            for family in text_string_to_metric_families(text):
                self.types[family.name] = family.type
                for sample in family.samples:
                    if sample.name.endswith("_created"):
                        continue  # creation times do not add up
                    labels = {**sample.labels, **grouping}
                    key = (sample.name, tuple(sorted(labels.items())))
                    self.samples[key] = self.samples.get(key, 0.0) + sample.value

    def exposition(self) -> str:
        with self._lock:
            lines = []
            for (name, labels), value in sorted(self.samples.items()):
                inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
                lines.append(f"{name}{{{inner}}} {value!r}")
            return "\n".join(lines) + "\n"

    def __enter__(self) -> AggregatingGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class CeleryWorker(_Process):
    """``celery -A MODULE worker`` in a subprocess (tests/ on its path), stopped with SIGTERM."""

    def __init__(self, name: str, workdir: Path, env: Mapping[str, str], *, pool: str, concurrency: int,
                 app: str = "live_fleet") -> None:
        self.name = name
        self.workdir = workdir
        self.log = workdir / f"{name}.log"
        self.env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")])}
        self.args = [sys.executable, "-m", "celery", "-A", app, "worker", "-P", pool, "-c", str(concurrency),
                     "-n", f"{name}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip",
                     "-l", "warning"]

    def __enter__(self) -> CeleryWorker:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        return self
