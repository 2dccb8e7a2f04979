"""Demo API of the kit (Python standard library only): the app the container, Kubernetes and Helm modules deploy.

Configuration comes only from environment variables:
  PORT         listening port (default 8080, must be above 1024 on the platform)
  APP_MESSAGE  message returned by `/`
  LOG_LEVEL    DEBUG, INFO, WARNING or ERROR (default INFO)
  APP_ENV      environment name shown by `/` (default "dev")
Routes: `/` (JSON), `/health` (JSON), `/metrics` (Prometheus text), `/api/personnes` (JSON list).
Logs are JSON lines on stdout. SIGTERM stops the server cleanly (exit code 0).
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "1.0.0"
PERSONNES = [
    {"id": 1, "prenom": "Alice", "ville": "Lyon"},
    {"id": 2, "prenom": "Bob", "ville": "Lille"},
    {"id": 3, "prenom": "Chloé", "ville": "Nantes"},
    {"id": 4, "prenom": "David", "ville": "Rennes"},
    {"id": 5, "prenom": "Emily", "ville": "Toulouse"},
]
LOG = logging.getLogger("demo-app")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message and any `extra` fields."""

    RESERVED = set(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in self.RESERVED and k != "message"})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class Config:
    """Settings read once from the environment; a bad value stops the start with a clear log line."""

    def __init__(self, environ=os.environ):
        self.port = int(environ.get("PORT", "8080"))
        self.message = environ.get("APP_MESSAGE", "Bonjour depuis Cloud π Native")
        self.log_level = environ.get("LOG_LEVEL", "INFO").upper()
        self.env = environ.get("APP_ENV", "dev")
        if self.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"LOG_LEVEL inconnu : {self.log_level}")


class Metrics:
    """Request counters rendered in the Prometheus text format."""

    def __init__(self):
        self.started = time.time()
        self.requests: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()

    def count(self, path: str, status: int) -> None:
        with self.lock:
            self.requests[(path, status)] = self.requests.get((path, status), 0) + 1

    def render(self) -> str:
        lines = ["# HELP demo_app_info Version de l'application.", "# TYPE demo_app_info gauge",
                 f'demo_app_info{{version="{VERSION}"}} 1',
                 "# HELP demo_app_start_time_seconds Heure de démarrage (epoch).",
                 "# TYPE demo_app_start_time_seconds gauge", f"demo_app_start_time_seconds {self.started:.3f}",
                 "# HELP demo_app_http_requests_total Requêtes HTTP servies.",
                 "# TYPE demo_app_http_requests_total counter"]
        with self.lock:
            for (path, status), value in sorted(self.requests.items()):
                lines.append(f'demo_app_http_requests_total{{path="{path}",code="{status}"}} {value}')
        return "\n".join(lines) + "\n"


KNOWN_PATHS = ("/", "/health", "/metrics", "/api/personnes")


def respond(path: str, config: Config, metrics: Metrics) -> tuple[int, str, str]:
    """(status, content type, body) for a GET on `path`: the whole routing, free of sockets."""
    path = path.split("?", 1)[0]
    if path == "/health":
        return 200, "application/json", json.dumps({"status": "UP", "version": VERSION})
    if path == "/metrics":
        return 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()
    if path == "/api/personnes":
        return 200, "application/json", json.dumps(PERSONNES, ensure_ascii=False)
    if path == "/":
        return 200, "application/json", json.dumps(
            {"application": "demo-app", "version": VERSION, "env": config.env, "message": config.message,
             "routes": list(KNOWN_PATHS)}, ensure_ascii=False)
    problem = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": f"Chemin inconnu : {path}"}
    return 404, "application/problem+json", json.dumps(problem, ensure_ascii=False)


def make_handler(config: Config, metrics: Metrics):
    class Handler(BaseHTTPRequestHandler):
        server_version = f"demo-app/{VERSION}"

        def do_GET(self):  # noqa: N802 (http.server naming)
            started = time.monotonic()
            status, content_type, body = respond(self.path, config, metrics)
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            label = self.path.split("?", 1)[0]
            metrics.count(label if label in KNOWN_PATHS else "autre", status)
            LOG.info("requête", extra={"method": "GET", "path": self.path, "status": status,
                                       "duration_ms": round((time.monotonic() - started) * 1000, 2)})

        def log_message(self, format, *args):  # silence the default stderr access log
            pass

    return Handler


def main() -> int:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    try:
        config = Config()
    except ValueError as error:
        LOG.error("configuration invalide", extra={"error": str(error)})
        return 1
    logging.getLogger().setLevel(config.log_level)
    metrics = Metrics()
    try:
        server = ThreadingHTTPServer(("0.0.0.0", config.port), make_handler(config, metrics))
    except OSError as error:
        LOG.error("impossible d'écouter sur le port", extra={"port": config.port, "error": str(error)})
        return 1
    server.daemon_threads = True

    def stop(signum, frame):
        LOG.info("signal reçu, arrêt", extra={"signal": signal.Signals(signum).name})
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    LOG.info("démarrage", extra={"port": config.port, "version": VERSION, "env": config.env})
    server.serve_forever()
    server.server_close()
    LOG.info("arrêt terminé")
    return 0


if __name__ == "__main__":
    sys.exit(main())
