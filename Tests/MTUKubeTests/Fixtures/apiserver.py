#!/usr/bin/env python3
"""A stand-in Kubernetes API server for mtu-doctor's tests: HTTPS, bearer-token or client-certificate
authentication, answers read from a scenario folder.

A scenario folder holds routes.json, mapping "METHOD /path" to one of:
  {"file": "x.json"}                      200 with the file
  {"pages": ["a.json", "b.json"]}         a list served page by page: metadata.continue links them
  {"status": 403, "message": "..."}       a Kubernetes Status object with that code
  {"delay": 30, "file": "x.json"}         answers after a delay (timeouts)
  {"redirect": "https://elsewhere/"}      302 to that location
  {"sequence": ["a.json", "b.json"]}      one file per request in turn, then the last again (a pod starting)
  {"text": "x.log", "chunkDelay": 0.1}    text/plain, chunked, a line at a time (a followed container log)
A path with no route answers 404 with a Status object, as the real server does for a missing object or CRD.
PATCH requests (server-side apply, or a strategic merge patch adding an ephemeral container) are answered 200 with
the body's kind echoed back, unless a route gives a status; POST (create) echoes the object with 201, DELETE 200.
The last ephemeral container's name from a PATCH and the name of a created pod are remembered: "{{container}}" and
"{{pod}}" in route paths and answered files stand for them, as a real server's objects would carry them.
Every request is appended to --log as "METHOD PATH?QUERY auth=token|cert|none", its body to --log + ".bodies"
(one JSON line: method, path, body).

The JSON documents beside it are written by hand after the published API types (Kubernetes core/v1 Node,
apps/v1 DaemonSet, v1 ConfigMap, meta/v1 Status and ListMeta; Calico operator.tigera.io/v1 Installation,
crd.projectcalico.org/v1 FelixConfiguration and IPPool; Cilium's cilium-config keys; Flannel's kube-flannel-cfg).
"""
import argparse, json, os, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--client-ca", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--routes", default="routes.json", help="the routes file in --dir (several scenarios can share one folder)")
parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free one)")
args = parser.parse_args()
routes = json.load(open(os.path.join(args.dir, args.routes)))
lock = threading.Lock()
state = {"container": "", "pod": ""}
turns = {}


def substitute(text):
    return text.replace("{{container}}", state["container"]).replace("{{pod}}", state["pod"])


def load(name):
    return json.loads(substitute(open(os.path.join(args.dir, name)).read()))


def find_route(method, path):
    for key, value in routes.items():
        if substitute(key) == method + " " + path:
            return value
    return None


def status(code, reason, message):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def auth(self):
        if self.headers.get("Authorization") == "Bearer " + args.token:
            return "token"
        cert = self.connection.getpeercert()
        if cert:
            return "cert"
        return "none"

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        who = self.auth()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            with open(args.log, "a") as log:
                log.write(f"{method} {self.path} auth={who} type={self.headers.get('Content-Type', '')} bytes={len(body)}\n")
            if body:
                with open(args.log + ".bodies", "a") as log:
                    log.write(json.dumps({"method": method, "path": self.path, "body": body.decode(errors="replace")}) + "\n")
        if who == "none":
            return self.answer(*status(401, "Unauthorized", "Unauthorized"))
        if method in ("PATCH", "POST", "DELETE"):
            route = find_route(method, parts.path)
            if route and "status" in route:
                return self.answer(*status(route["status"], route.get("reason", "Forbidden"), route.get("message", "")))
            try:
                document = json.loads(body) if body else {}
            except ValueError:
                document = None
            if method == "POST":
                if not isinstance(document, dict):
                    return self.answer(*status(400, "BadRequest", "the body is not a JSON object"))
                state["pod"] = document.get("metadata", {}).get("name", "")
                return self.answer(201, document)
            if method == "DELETE":
                return self.answer(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})
            if isinstance(document, dict):
                added = document.get("spec", {}).get("ephemeralContainers") or []
                if added:
                    state["container"] = added[-1].get("name", "")
                return self.answer(200, {"kind": "Pod", "metadata": {"name": parts.path.split("/")[6] if parts.path.count("/") > 6 else ""}})
            kind = "Unknown"
            for line in body.decode(errors="replace").splitlines():
                if line.startswith("kind:"):
                    kind = line.split(":", 1)[1].strip()
            return self.answer(200, {"kind": kind, "metadata": {"name": parts.path.rsplit("/", 1)[-1]}})
        route = find_route(method, parts.path)
        if route is None:
            return self.answer(*status(404, "NotFound", f"the server could not find the requested resource ({parts.path})"))
        if "delay" in route:
            time.sleep(route["delay"])
        if "redirect" in route:
            self.send_response(302)
            self.send_header("Location", route["redirect"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "status" in route:
            return self.answer(*status(route["status"], route.get("reason", "Forbidden"), route.get("message", "")))
        if "sequence" in route:
            with lock:
                turn = turns.get(parts.path, 0)
                turns[parts.path] = turn + 1
            return self.answer(200, load(route["sequence"][min(turn, len(route["sequence"]) - 1)]))
        if "text" in route:
            lines = substitute(open(os.path.join(args.dir, route["text"])).read()).splitlines(keepends=True)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for line in lines:
                data = line.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
                time.sleep(route.get("chunkDelay", 0))
            self.wfile.write(b"0\r\n\r\n")
            return
        if "pages" in route:
            token = query.get("continue", [""])[0]
            index = int(token[1:]) if token.startswith("p") else 0
            if index >= len(route["pages"]):
                return self.answer(*status(410, "Expired", "the continue token is no longer valid"))
            page = json.load(open(os.path.join(args.dir, route["pages"][index])))
            page.setdefault("metadata", {})["continue"] = f"p{index + 1}" if index + 1 < len(route["pages"]) else ""
            return self.answer(200, page)
        return self.answer(200, load(route["file"]))

    def do_GET(self):
        self.handle_any("GET")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(args.cert, args.key)
context.load_verify_locations(args.client_ca)
context.verify_mode = ssl.CERT_OPTIONAL
ThreadingHTTPServer.allow_reuse_address = True
server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
server.daemon_threads = True
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
