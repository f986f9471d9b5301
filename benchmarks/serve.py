"""`rlcli serve` under load, against a minimal reference measured in the same run: the same
policy (rollout's fast path: RLModule + MeanStdFilter state) behind Python's plain
single-process ``ThreadingHTTPServer``, one forward pass per request.

Servers: the reference, ``rlcli serve`` (the embedded backend: one process, micro-batched) and
``rlcli serve --backend ray`` (Ray Serve). For each, at 1, 8 and 32 concurrent clients (each a
thread with its own keep-alive connection, one CartPole observation per request, the same
requests for every server): requests/s and p50/p99 latency, and the ratios against the
reference. The client writes each request with one ``sendall`` and reads the answer by its
Content-Length, so that the load generator (in this process, on the same 2 cores) costs little.

Then the embedded server's soak: 20,000 requests from 32 clients, the errors, and its RSS
before and after; and how long ``rlcli serve`` takes from its start to its first answer, with
the Ray processes it started (none, for the embedded backend).

Env: RLCLI_BENCH_REQUESTS (per cell, default 2000; Ray Serve gets a quarter), RLCLI_BENCH_SOAK
(default 20000), RLCLI_BENCH_EXPERIMENT (an experiment dir to serve instead of training one),
RLCLI_BENCH_BACKENDS (default "reference,embedded,ray")."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

os.environ.setdefault("OMP_NUM_THREADS", "1")
REQUESTS = int(os.environ.get("RLCLI_BENCH_REQUESTS", "2000"))
SOAK = int(os.environ.get("RLCLI_BENCH_SOAK", "20000"))
BACKENDS = os.environ.get("RLCLI_BENCH_BACKENDS", "reference,embedded,ray").split(",")
CLIENTS = (1, 8, 32)
RLCLI = str(Path(sys.executable).with_name("rlcli"))
RAY_PROCESSES = ("raylet", "gcs_server", "ServeController", "ProxyActor", "ServeReplica")

REFERENCE = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import numpy as np, torch
torch.set_num_threads(1)
from rlcli.core.rollout.policy import load_config_state, load_policy
from rlcli.core.store.checkpoints import Selection, locate
ckpt = locate(sys.argv[1], Selection(which="best", metric="", mode="max")).path
policy, _ = load_policy(ckpt, load_config_state(ckpt), explore=False)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body, written apart, wait 40 ms for a delayed ACK
    def log_message(self, *args): pass
    def do_GET(self):
        self.answer(b'{"status": "ok"}')
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        obs = np.asarray(body["observations"], dtype=np.float32)[None]
        self.answer(json.dumps({"actions": int(policy(obs)[0])}).encode())
    def answer(self, out):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

ThreadingHTTPServer.request_queue_size = 128  # socketserver's default 5 resets 32 clients connecting at once
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
print("Serving", flush=True)
server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def train(storage: Path) -> Path:
    args = [RLCLI, "train", "--run", "PPO", "--env", "CartPole-v1", "--name", "served", "-q"]
    args += ["num_env_runners=0", "train_batch_size=500", "observation_filter=MeanStdFilter"]
    args += ["stop.training_iteration=2"]
    subprocess.run(args, check=True, env=dict(os.environ, RLCLI_STORAGE_PATH=str(storage)), stdout=subprocess.DEVNULL)
    return storage / "served"


class Client:
    """One keep-alive HTTP/1.1 connection: a request per ``sendall``, the answer read by its
    Content-Length (status and body)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, raw: bytes) -> tuple[int, bytes]:
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        fields = (x.partition(b":") for x in lines[1:])
        lengths = [int(v) for k, _, v in fields if k.strip().lower() == b"content-length"]
        if not lengths:
            raise ConnectionError(f"an answer without Content-Length: {head[:200]!r}")
        length = lengths[0]
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return status, rest[:length]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def post(body: bytes) -> bytes:
    head = "POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def load(port: int, clients: int, bodies: list[bytes]) -> dict[str, float]:
    """``len(bodies)`` requests from ``clients`` keep-alive clients at once: rate, latencies, errors."""
    chunks = np.array_split(np.arange(len(bodies)), clients)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    connections = [Client(port) for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def run(k: int) -> None:
        conn, mine = connections[k], latencies[k]
        barrier.wait()
        for i in chunks[k]:
            start = time.perf_counter()
            status, _ = conn.request(bodies[i])
            mine.append(time.perf_counter() - start)
            errors[k] += status != 200

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    for conn in connections:
        conn.close()
    every = np.concatenate([np.asarray(x) for x in latencies])
    return {
        "rps": len(bodies) / seconds,
        "p50_ms": float(np.percentile(every, 50) * 1000),
        "p99_ms": float(np.percentile(every, 99) * 1000),
        "errors": float(sum(errors)),
    }


def start(cmd: list[str], port: int) -> tuple[subprocess.Popen[bytes], float]:
    """The server started, and the seconds from its start to its first answer to an action."""
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    body = post(json.dumps({"observations": [0.0, 0.0, 0.0, 0.0]}).encode())
    while time.perf_counter() - began < 300:
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[:4]} exited with {proc.returncode}")
        try:
            client = Client(port)
            status, _ = client.request(body)
            client.close()
            if status == 200:
                return proc, time.perf_counter() - began
        except (OSError, ValueError, IndexError):  # not listening yet, or not answering actions yet
            time.sleep(0.05)
    raise SystemExit(f"{cmd[:4]} never answered")


def ray_processes(proc: subprocess.Popen[bytes]) -> list[str]:
    """The Ray processes among the server's descendants (a raylet, GCS, Serve's actors)."""
    names = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            text = " ".join(child.cmdline()) or child.name()
        except psutil.Error:
            continue
        names += [name for name in RAY_PROCESSES if name in text]
    return sorted(set(names))


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    rng = np.random.default_rng(0)
    bodies = [post(json.dumps({"observations": o.tolist()}).encode()) for o in rng.normal(size=(REQUESTS, 4))]
    soak = [bodies[i % len(bodies)] for i in range(SOAK)]
    rows: dict[str, dict[int, dict[str, float]]] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        given = os.environ.get("RLCLI_BENCH_EXPERIMENT")
        exp = Path(given) if given else train(Path(tmp))
        servers = {
            "reference": ("plain ThreadingHTTPServer", [sys.executable, "-c", REFERENCE, str(exp)]),
            "embedded": ("rlcli serve (embedded)", [RLCLI, "serve", str(exp)]),
            "ray": ("rlcli serve --backend ray", [RLCLI, "serve", str(exp), "--backend", "ray"]),
        }
        for key in BACKENDS:
            name, command = servers[key]
            port = free_port()
            command = [*command, str(port)] if key == "reference" else [*command, "--port", str(port)]
            try:
                proc, first_s = start(command, port)
            except SystemExit as exc:
                notes.append(f"{name}: {exc}")
                continue
            try:
                share = bodies if key != "ray" else bodies[: max(200, len(bodies) // 4)]
                load(port, 4, share[:200])  # warm-up
                rows[name] = {c: load(port, c, share) for c in CLIENTS}
                if key != "reference":
                    started = ", ".join(ray_processes(proc)) or "none"
                    notes.append(f"{name}: first answer {first_s:.1f} s after its start; Ray processes: {started}")
                if key == "embedded":
                    server = psutil.Process(proc.pid)
                    before = server.memory_info().rss
                    soaked = load(port, 32, soak)
                    after = server.memory_info().rss
                    notes.append(
                        f"{name} soak: {SOAK} requests from 32 clients, {soaked['errors']:.0f} errors, "
                        f"{soaked['rps']:.0f} req/s, p99 {soaked['p99_ms']:.1f} ms; RSS {before / 2**20:.0f} MB "
                        f"before, {after / 2**20:.0f} MB after"
                    )
            except OSError as exc:
                notes.append(f"{name}: {type(exc).__name__}: {exc}")
            finally:
                stop(proc)
    report(rows, notes)


def report(rows: dict[str, dict[int, dict[str, float]]], notes: list[str]) -> None:
    print(f"rlcli serve: one-observation CartPole requests on 127.0.0.1, {REQUESTS} per cell (Ray Serve: a quarter)")
    print(f"{'server':28} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'req/s vs ref':>13}")
    reference = rows.get("plain ThreadingHTTPServer")
    for name, cells in rows.items():
        for clients, cell in cells.items():
            ratio = f"{cell['rps'] / reference[clients]['rps']:>12.2f}x" if reference else f"{'-':>13}"
            numbers = f"{cell['rps']:>8.0f} {cell['p50_ms']:>8.2f} {cell['p99_ms']:>8.1f} {cell['errors']:>6.0f}"
            print(f"{name:28} {clients:>7} {numbers} {ratio}")
    for note in notes:
        print(note)
    embedded = rows.get("rlcli serve (embedded)")
    if reference and embedded:
        one, many = embedded[1], embedded[32]
        print(
            "targets (embedded vs reference): 1 client >= 1.0x and p50 <= the reference's: "
            f"{'met' if one['rps'] >= reference[1]['rps'] and one['p50_ms'] <= reference[1]['p50_ms'] else 'NOT met'}"
            f"; 32 clients >= 3x with p99 <= 20 ms: "
            f"{'met' if many['rps'] >= 3 * reference[32]['rps'] and many['p99_ms'] <= 20 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
