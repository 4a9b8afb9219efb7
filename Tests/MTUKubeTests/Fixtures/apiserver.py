#!/usr/bin/env python3
"""A stand-in Kubernetes API server for mtu-doctor's tests: HTTPS, bearer-token or client-certificate
authentication, answers read from a scenario folder.

A scenario folder holds routes.json, mapping "METHOD /path" to one of:
  {"file": "x.json"}                      200 with the file
  {"pages": ["a.json", "b.json"]}         a list served page by page: metadata.continue links them
  {"status": 403, "message": "..."}       a Kubernetes Status object with that code
  {"delay": 30, "file": "x.json"}         answers after a delay (timeouts)
  {"redirect": "https://elsewhere/"}      302 to that location
A path with no route answers 404 with a Status object, as the real server does for a missing object or CRD.
PATCH requests (server-side apply) are answered 200 with the body's kind echoed back.
Every request is appended to --log as "METHOD PATH?QUERY auth=token|cert|none".

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
parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free one)")
args = parser.parse_args()
routes = json.load(open(os.path.join(args.dir, "routes.json")))
lock = threading.Lock()


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
        if who == "none":
            return self.answer(*status(401, "Unauthorized", "Unauthorized"))
        if method == "PATCH":
            kind = "Unknown"
            for line in body.decode(errors="replace").splitlines():
                if line.startswith("kind:"):
                    kind = line.split(":", 1)[1].strip()
            route = routes.get("PATCH " + parts.path)
            if route and "status" in route:
                return self.answer(*status(route["status"], "Forbidden", route.get("message", "")))
            return self.answer(200, {"kind": kind, "metadata": {"name": parts.path.rsplit("/", 1)[-1]}})
        route = routes.get(method + " " + parts.path)
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
        if "pages" in route:
            token = query.get("continue", [""])[0]
            index = int(token[1:]) if token.startswith("p") else 0
            if index >= len(route["pages"]):
                return self.answer(*status(410, "Expired", "the continue token is no longer valid"))
            page = json.load(open(os.path.join(args.dir, route["pages"][index])))
            page.setdefault("metadata", {})["continue"] = f"p{index + 1}" if index + 1 < len(route["pages"]) else ""
            return self.answer(200, page)
        return self.answer(200, json.load(open(os.path.join(args.dir, route["file"]))))

    def do_GET(self):
        self.handle_any("GET")

    def do_PATCH(self):
        self.handle_any("PATCH")


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
