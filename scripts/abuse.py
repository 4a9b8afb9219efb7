#!/usr/bin/env python3
"""Hostile inputs and abusive clients against mtu-doctor, on loopback only, bounded in count and time.

Prints one row per case: the limit the case is meant to hold, then what happened (seconds, peak RSS, threads and
descriptors for servers, exit code, first line of the error). Nothing leaves 127.0.0.0/8.

    scripts/abuse.py [--binary .build/release/mtu-doctor]
"""
import argparse, gzip, http.server, json, os, socket, struct, subprocess, sys, tempfile, threading, time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--binary", default=".build/debug/mtu-doctor")
args = parser.parse_args()
binary = os.path.abspath(args.binary)
work = tempfile.mkdtemp(prefix="mtu-doctor-abuse-")
rows = []


def row(case, limit, seconds, rss_mb, exit_code, said, extra=""):
    rows.append((case, limit, f"{seconds:.1f}", f"{rss_mb:.0f}", extra, str(exit_code), said[:110]))


def cli(case, limit, arguments, stdin=None, timeout=120):
    """Runs the binary under /usr/bin/time for its own peak RSS."""
    stats = os.path.join(work, "time.txt")
    start = time.monotonic()
    try:
        run = subprocess.run(["/usr/bin/time", "-o", stats, "-f", "%M", binary] + arguments, stdin=stdin,
                             capture_output=True, timeout=timeout)
        code, err = run.returncode, run.stderr.decode(errors="replace")
        # A report (exit 1) says in its body what it could not read.
        err += "\n" + "\n".join(line.strip() for line in run.stdout.decode(errors="replace").splitlines()
                                 if "exceeded" in line or "redirected" in line)
    except subprocess.TimeoutExpired:
        code, err = "timeout", f"still running after {timeout} s"
    seconds = time.monotonic() - start
    try:
        rss = int(open(stats).read().split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        rss = 0
    first = next((line for line in err.splitlines() if line.strip() and not line.startswith("Command exited")), "")
    row(case, limit, seconds, rss, code, first)


def write(name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


# Parsers ------------------------------------------------------------------------------------------------------
laughs = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'] + \
         [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
bomb = write("bomb.yaml", "\n".join(laughs) + "\n")
deep_json = write("deep.json", "[" * 10000 + "]" * 10000)
deep_yaml = write("deep.yaml", "[" * 10000 + "]" * 10000)
kubeconfig_bomb = write("kubeconfig-bomb.yaml", "\n".join(laughs) + "\nclusters: *a9\n")
cli("saved objects: YAML alias bomb", "≤5M values, exit 2", ["kube", "audit", "--from-file", bomb])
cli("saved objects: 10,000-deep JSON", "exit 2", ["kube", "audit", "--from-file", deep_json])
cli("topology: YAML alias bomb", "exit 2", ["check", bomb])
cli("topology: 10,000-deep YAML", "exit 2", ["check", deep_yaml])
cli("kubeconfig: YAML alias bomb", "exit 2", ["kube", "audit", "--kubeconfig", kubeconfig_bomb])

header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
gz = os.path.join(work, "bomb.pcap.gz")
with gzip.open(gz, "wb", compresslevel=9) as f:
    f.write(header)
    zeros = bytes(1 << 20)
    for _ in range(512):
        f.write(zeros)
cli("capture: gzip bomb (512 MiB from %d KiB)" % (os.path.getsize(gz) >> 10), "refused past 64 MiB, exit 2", ["capture", "analyze", gz])
cli("capture: /dev/zero", "exit 2", ["capture", "analyze", "/dev/zero"])
fifo = os.path.join(work, "silent.fifo")
os.mkfifo(fifo)
cli("capture: a named pipe no one writes", "≤30 s, exit 2", ["capture", "analyze", fifo], timeout=60)
with open("/dev/urandom", "rb") as noise:
    cli("capture: endless random stdin", "exit 2 at the header", ["capture", "analyze", "-"], stdin=noise)

# Exec credential plugins ---------------------------------------------------------------------------------------
def plugin_kubeconfig(name, script):
    path = write(name, "#!/bin/sh\n" + script + "\n")
    os.chmod(path, 0o755)
    return write(name + ".kubeconfig", f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "https://127.0.0.1:1"}}}}]
users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1, command: {path}}}}}}}]
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
""")

cli("exec plugin: prints forever", "1 MiB, killed", ["kube", "audit", "--kubeconfig", plugin_kubeconfig("endless", "exec yes ExecCredential")])
cli("exec plugin: child holds stdout, sleeps", "30 s, group killed", ["kube", "audit", "--kubeconfig", plugin_kubeconfig("orphan", "sleep 300 &\nsleep 300")], timeout=90)

# API server ----------------------------------------------------------------------------------------------------
class Endless(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if "daemonsets" in self.path:
            self.send_response(302)
            self.send_header("Location", "https://203.0.113.9/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        item = b'{"kind":"Node","metadata":{"name":"' + b"n" * 1000 + b'"}},'
        chunk = b'{"kind":"NodeList","items":[' + item * 1000
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                chunk = item * 1000
        except OSError:
            return


http.server.ThreadingHTTPServer.daemon_threads = True
api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
threading.Thread(target=api.serve_forever, daemon=True).start()
api_config = write("api.kubeconfig", f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "http://127.0.0.1:{api.server_address[1]}"}}}}]
users: [{{name: u, user: {{token: t}}}}]
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
""")
cli("API server: endless answers, a redirect", "32 MiB per answer", ["kube", "audit", "--kubeconfig", api_config])
api.shutdown()

# Servers -------------------------------------------------------------------------------------------------------
def proc(pid):
    status = open(f"/proc/{pid}/status").read()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["Threads"]), len(os.listdir(f"/proc/{pid}/fd"))


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


serve = subprocess.Popen([binary, "serve", "--port", "47901", "--tcp-port", "47902", "--duration", "60"], stderr=subprocess.DEVNULL)
wait_port(47902)
start = time.monotonic()
pulled = sent = 0
refused = 0
while time.monotonic() - start < 3:
    try:
        s = socket.create_connection(("127.0.0.1", 47902))
        request = b"MTUD SEND 65536\n"
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        sent += len(request)
        while True:
            data = s.recv(65536)
            if not data:
                break
            pulled += len(data)
        s.close()
    except OSError:
        refused += 1  # the per-source rate limit resets the connection
rss, threads, fds = proc(serve.pid)
row("serve TCP: 16-byte requests for 64 KiB, 3 s", "reply/request ≤ 1", time.monotonic() - start, rss, "-",
    f"{pulled} bytes back for {sent} sent: ratio {pulled / max(sent, 1):.2f}; {refused} reset by the rate limit", f"{threads} thr, {fds} fd")
held = []
for _ in range(300):
    try:
        # Another loopback source than the flood's (whose rate limit is spent): the slot limit is what is measured.
        held.append(socket.create_connection(("127.0.0.1", 47902), timeout=1, source_address=("127.0.0.9", 0)))
    except OSError:
        pass
time.sleep(0.5)
rss, threads, fds = proc(serve.pid)
open_slots = fds - 4
row("serve TCP: 300 idle connections, one source", "≤256 per source", 0.5, rss, "-", f"{len(held)} connected, server holds ~{max(open_slots, 0)} (the rest reset at once; all freed at the 2 s deadline)", f"{threads} thr, {fds} fd")
for s in held:
    s.close()
serve.kill()
serve.wait()

agent = subprocess.Popen([binary, "agent", "--node", "a", "--peers", "127.0.0.1", "--listen", "47903", "--responder-port", "47904",
                          "--interval", "3600", "--token", "t"], stderr=subprocess.DEVNULL)
wait_port(47903)
time.sleep(0.5)
base_rss, base_threads, base_fds = proc(agent.pid)
slow = []
for _ in range(300):
    try:
        s = socket.create_connection(("127.0.0.1", 47903), timeout=1)
        s.sendall(b"GET /results HTTP/1.1\r\nX-Slow: ")
        slow.append(s)
    except OSError:
        pass
time.sleep(0.5)
rss, threads, fds = proc(agent.pid)
row("agent HTTP: 300 slow-loris connections", "no thread per connection", 0.5, rss, "-",
    f"threads {base_threads} → {threads}, descriptors {base_fds} → {fds}, RSS {base_rss:.0f} → {rss:.0f} MB", f"{threads} thr, {fds} fd")
start = time.monotonic()
for s in slow:
    try:
        s.send(b"a")
    except OSError:
        pass
answered = None
while time.monotonic() - start < 10 and answered is None:
    try:
        c = socket.create_connection(("127.0.0.1", 47903), timeout=1)
        c.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
        c.settimeout(1)
        if c.recv(64).startswith(b"HTTP/1.1"):
            answered = time.monotonic() - start
        c.close()
    except OSError:
        time.sleep(0.2)
rss, threads, fds = proc(agent.pid)
row("agent HTTP: /healthz while they trickle", "2 s whole-request deadline", answered or 10, rss, "-",
    f"answered after {answered:.1f} s" if answered else "no answer in 10 s", f"{threads} thr, {fds} fd")
for s in slow:
    s.close()
agent.kill()
agent.wait()

headers = ("case", "limit held", "s", "peak MB", "server", "exit", "first line")
widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
widths[-1] = min(widths[-1], 110)
for r in [headers] + rows:
    print("  ".join(str(value).ljust(widths[i])[:widths[i]] for i, value in enumerate(r)).rstrip())
subprocess.run(["rm", "-rf", work])
