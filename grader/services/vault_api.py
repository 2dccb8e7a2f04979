"""The Vault HTTP API subset the platform's flows use, served from the kit's store: a training stand-in.

NOT Vault. It answers like Vault on the routes below, so that `hvac`, the `vault` CLI's HTTP calls and the
VaultStaticSecret controller work unchanged; it is labelled as a simulation in every health answer
(`cluster_name`, `version` suffix) and in `cpin platform status`.

Routes: `GET /v1/sys/health`; `GET /v1/sys/mounts`, `POST /v1/sys/mounts/<m>` (root);
`GET /v1/sys/internal/ui/mounts/<path>` (the CLI's kv detection); `POST /v1/auth/approle/login`;
`GET /v1/auth/token/lookup-self`; kv-v2 under a mount: `<m>/data/<p>` GET (`?version=`), POST/PUT
(`options.cas`), DELETE; `<m>/metadata/<p>` GET, LIST (or `?list=true`), DELETE. A project's AppRole token
reaches its own mount only; the root token reaches all. Not implemented: policies language, leases,
JWT/OIDC login, other engines, seal, TLS (127.0.0.1 only). Request bodies and answers are never logged.

Run by the `vault` service: `python -m grader.services.vault_api --data-dir D --port P`.
"""
from __future__ import annotations

import argparse
import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from grader.services import kvstore
from grader.services.kvstore import VaultError

VERSION = "1.21.4+cpin-simulation"
CLUSTER_NAME = "cpin-simulation-formation"


def _envelope(data=None, auth=None) -> dict:
    return {"request_id": str(uuid.uuid4()), "lease_id": "", "renewable": False, "lease_duration": 0,
            "data": data, "wrap_info": None, "warnings": None, "auth": auth, "mount_type": ""}


class Handler(BaseHTTPRequestHandler):
    data_dir: Path = Path(".")
    server_version = "cpin-vault-simulation"

    def log_message(self, fmt, *args):  # method and path only (paths hold no values)
        sys.stdout.write(f"{self.command} {urlparse(self.path).path} {args[1] if len(args) > 1 else ''}\n")
        sys.stdout.flush()

    # -------------------------------------------------------------------------------- plumbing
    def _send(self, status: int, body: dict | None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            raise VaultError(400, "failed to parse JSON input") from None
        if not isinstance(body, dict):
            raise VaultError(400, "failed to parse JSON input")
        return body

    def _token(self) -> dict:
        token = self.headers.get("X-Vault-Token") or ""
        auth = self.headers.get("Authorization") or ""
        if not token and auth.startswith("Bearer "):
            token = auth[7:]
        return kvstore.lookup(token, self.data_dir)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_LIST(self):
        self._dispatch("LIST")

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if method == "GET" and query.get("list") == ["true"]:
            method = "LIST"
        path = url.path
        try:
            if not path.startswith("/v1/"):
                raise VaultError(404)
            status, body = self._route(method, path[4:].strip("/"), query)
        except VaultError as error:
            status, body = error.status, {"errors": error.errors}
        self._send(status, body)

    # -------------------------------------------------------------------------------- routes
    def _route(self, method: str, path: str, query: dict) -> tuple[int, dict | None]:
        d = self.data_dir
        if path == "sys/health":
            return 200, {"initialized": True, "sealed": False, "standby": False, "performance_standby": False,
                         "replication_performance_mode": "disabled", "replication_dr_mode": "disabled",
                         "server_time_utc": 0, "version": VERSION, "cluster_name": CLUSTER_NAME,
                         "cluster_id": "cpin"}
        if path == "auth/approle/login" and method == "POST":
            body = self._body()
            return 200, _envelope(auth=kvstore.approle_login(body.get("role_id", ""), body.get("secret_id", ""), d))
        entry = self._token()
        if path == "auth/token/lookup-self":
            return 200, _envelope({"policies": entry["policies"], "meta": entry.get("meta"), "ttl": entry["ttl"],
                                   "accessor": entry["accessor"], "display_name": "approle", "renewable": True})
        if path == "sys/mounts" and method == "GET":
            table = {f"{m}/": {"type": v["type"], "options": {"version": v["version"]}, "description": ""}
                     for m, v in kvstore.mounts(d).items() if kvstore.allowed(entry, m)}
            return 200, _envelope(table)
        if path.startswith("sys/mounts/") and method == "POST":
            if "root" not in entry["policies"]:
                raise VaultError(403, "permission denied")
            body = self._body()
            if body.get("type") not in ("kv", "kv-v2"):
                raise VaultError(400, "only kv mounts exist in this training stand-in")
            version = "2" if body.get("type") == "kv-v2" else str((body.get("options") or {}).get("version", "1"))
            kvstore.enable_kv(path[len("sys/mounts/"):].strip("/"), version, d)
            return 204, None
        if path.startswith("sys/internal/ui/mounts/"):
            mount = path[len("sys/internal/ui/mounts/"):].split("/", 1)[0]
            info = kvstore.mounts(d).get(mount)
            if not info or not kvstore.allowed(entry, mount):
                raise VaultError(403, "preflight capability check returned 403, please ensure client's "
                                      "policies grant access to the path")
            return 200, _envelope({"path": f"{mount}/", "type": "kv", "options": {"version": info["version"]}})
        mount, _, rest = path.partition("/")
        kind, _, sub = rest.partition("/")
        if not kvstore.allowed(entry, mount):
            raise VaultError(403, "permission denied")
        if kind == "data":
            if method == "GET":
                version = int(query["version"][0]) if query.get("version") else None
                return 200, _envelope(kvstore.read(mount, sub, version, d))
            if method == "POST":
                body = self._body()
                cas = (body.get("options") or {}).get("cas")
                return 200, _envelope(kvstore.write(mount, sub, body.get("data"), d, cas))
            if method == "DELETE":
                kvstore.delete_latest(mount, sub, d)
                return 204, None
        if kind == "metadata":
            if method == "GET":
                return 200, _envelope(kvstore.metadata(mount, sub, d))
            if method == "LIST":
                return 200, _envelope({"keys": kvstore.list_keys(mount, sub, d)})
            if method == "DELETE":
                kvstore.delete_all(mount, sub, d)
                return 204, None
        raise VaultError(404, f"unsupported path in this training stand-in: {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.services.vault_api")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--port", required=True, type=int)
    args = parser.parse_args(argv)
    Handler.data_dir = args.data_dir
    kvstore.root_token(args.data_dir)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"Vault training stand-in (not Vault) on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
