"""`rlcli serve` under load, against a minimal reference measured in the same run: the same
policy (rollout's fast path: RLModule + MeanStdFilter state) behind Python's plain
single-process ``ThreadingHTTPServer``, one forward pass per request.

For each server, at concurrency 1 and 32 (each client thread with its own keep-alive
connection, one CartPole observation per request): requests/s and p50/p99 latency. rlcli serve
runs batched (``--max-batch-size 32``) and unbatched (``--max-batch-size 1``). Printed as a
table and as ratios against the reference. Env: RLCLI_BENCH_REQUESTS (default 2000 per cell)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
REQUESTS = int(os.environ.get("RLCLI_BENCH_REQUESTS", "2000"))
RLCLI = str(Path(sys.executable).with_name("rlcli"))

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
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        obs = np.asarray(body["observations"], dtype=np.float32)[None]
        out = json.dumps({"actions": int(policy(obs)[0])}).encode()
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
    args += [
        "num_env_runners=0",
        "train_batch_size=500",
        "observation_filter=MeanStdFilter",
        "stop.training_iteration=2",
    ]
    subprocess.run(args, check=True, env=dict(os.environ, RLCLI_STORAGE_PATH=str(storage)), stdout=subprocess.DEVNULL)
    return storage / "served"


def start(cmd: list[str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if ready in line:
            return proc
    raise RuntimeError(f"{cmd[:3]} never became ready")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def load(port: int, concurrency: int, observations: np.ndarray) -> dict[str, float]:
    """``len(observations)`` requests from ``concurrency`` keep-alive clients: rate, latencies."""
    chunks = np.array_split(np.arange(len(observations)), concurrency)

    def client(indices: np.ndarray) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies = []
        for i in indices:
            body = json.dumps({"observations": observations[i].tolist()})
            start_s = time.perf_counter()
            conn.request("POST", "/v1/actions", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - start_s)
            assert response.status == 200, response.status
        conn.close()
        return latencies

    start_s = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = np.concatenate([np.asarray(x) for x in pool.map(client, chunks)])
    seconds = time.perf_counter() - start_s
    return {
        "rps": len(observations) / seconds,
        "p50_ms": float(np.percentile(latencies, 50) * 1000),
        "p99_ms": float(np.percentile(latencies, 99) * 1000),
    }


def main() -> None:
    observations = np.random.default_rng(0).normal(size=(REQUESTS, 4)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        exp = train(Path(tmp))
        servers = {
            "reference (plain HTTP server)": lambda port: [sys.executable, "-c", REFERENCE, str(exp), str(port)],
            "rlcli serve --max-batch-size 32": lambda port: [RLCLI, "serve", str(exp), "--port", str(port)],
            "rlcli serve --max-batch-size 1": lambda port: [
                *(RLCLI, "serve", str(exp), "--port", str(port), "--max-batch-size", "1"),
            ],
        }
        rows: dict[str, dict[int, dict[str, float]]] = {}
        for name, command in servers.items():
            port = free_port()
            proc = start(command(port), "Serving")
            try:
                load(port, 4, observations[:100])  # warm-up
                rows[name] = {c: load(port, c, observations) for c in (1, 32)}
            except OSError as exc:
                raise SystemExit(f"{name}: {type(exc).__name__}: {exc}") from None
            finally:
                stop(proc)
    print(f"rlcli serve: {REQUESTS} CartPole requests per cell, one observation each, on 127.0.0.1")
    print(f"{'server':34} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s vs ref':>13}")
    reference = rows["reference (plain HTTP server)"]
    for name, cells in rows.items():
        for clients, cell in cells.items():
            ratio = cell["rps"] / reference[clients]["rps"]
            numbers = f"{cell['rps']:>8.0f} {cell['p50_ms']:>8.1f} {cell['p99_ms']:>8.1f} {ratio:>12.2f}x"
            print(f"{name:34} {clients:>7} {numbers}")


if __name__ == "__main__":
    main()
