"""``--storage-path s3://...``: Tune writes the experiment to S3 itself, rlcli reads it back
through its local mirror. The S3 is a real server on 127.0.0.1 (moto's, from the dev extra),
reached through the standard ``AWS_ENDPOINT_URL_S3`` variable, stopped by the test.

One tiny PPO run (2 iterations, a checkpoint each) into the bucket; then what is in the bucket
(read with pyarrow, independently of rlcli), the summary's URIs, ``analyze`` on the URI, a
``rollout`` of the URI (the chosen checkpoint downloaded whole) and ``--resume`` of the finished
experiment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import TINY_PPO, free_port, run_rlcli, storage_env

pytestmark = pytest.mark.integration

BUCKET = "rlcli-test"
STORAGE = f"s3://{BUCKET}/exps"


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> dict[str, str]:
    """A moto S3 server on 127.0.0.1 with an empty bucket; the environment that reaches it."""
    pytest.importorskip("moto", reason="the dev extra installs moto[server], the local S3 server")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}",
        "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache")),
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.2)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # for pyarrow in this process too
        try:
            _fs(allow_bucket_creation=True).create_dir(BUCKET)
            yield env
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fs(**options: bool):
    import pyarrow.fs as pafs

    return pafs.S3FileSystem(endpoint_override=os.environ["AWS_ENDPOINT_URL_S3"], region="us-east-1", **options)


def _bucket_files(prefix: str) -> list[str]:
    import pyarrow.fs as pafs

    infos = _fs().get_file_info(pafs.FileSelector(prefix, recursive=True))
    return sorted(i.path[len(prefix) + 1 :] for i in infos if i.type == pafs.FileType.File)


@pytest.fixture(scope="module")
def trained(s3, rlcli_exe, tmp_path_factory) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    env = storage_env(tmp_path_factory.mktemp("unused-local"), **s3)
    args = ("train", "--run", "PPO", "--env", "CartPole-v1", "--name", "remote", *TINY_PPO)
    proc = run_rlcli(
        rlcli_exe, *args, "stop.training_iteration=2", "--checkpoint-freq", "1", "--storage-path", STORAGE, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return env, proc


def test_tune_writes_the_experiment_into_the_bucket(trained):
    _, proc = trained
    files = _bucket_files(f"{BUCKET}/exps/remote")
    assert "rlcli-spec.yaml" in files and any(f.startswith("experiment_state-") for f in files)
    (trial,) = {f.split("/")[0] for f in files if f.endswith("/result.json")}
    rows = [
        json.loads(line)
        for line in _fs().open_input_stream(f"{BUCKET}/exps/remote/{trial}/result.json").read().splitlines()
    ]
    assert [row["training_iteration"] for row in rows] == [1, 2]
    assert {f"{trial}/checkpoint_00000{i}/rllib_checkpoint.json" for i in (0, 1)} <= set(files)
    assert f"{trial}/rlcli_checkpoints.jsonl" in files, files  # rlcli's index, written by the driver
    assert f"results:          {STORAGE}/remote" in proc.stdout
    assert f"best checkpoint:  {STORAGE}/remote/{trial}/checkpoint_00000" in proc.stdout  # the bucket, not the mirror


def test_analyze_and_rollout_read_the_uri(trained, rlcli_exe):
    env, _ = trained
    table = run_rlcli(rlcli_exe, "analyze", "trials", f"{STORAGE}/remote", "--json", env=env)
    assert table.returncode == 0, table.stderr
    ((row,),) = [json.loads(table.stdout)]
    assert (row["status"], row["iterations"], row["env_steps"]) == ("TERMINATED", 2, 400)
    best = run_rlcli(rlcli_exe, "analyze", "best-checkpoint", f"{STORAGE}/remote", "--json", env=env)
    assert best.returncode == 0, best.stderr
    assert json.loads(best.stdout)["path"].startswith(f"{STORAGE}/remote/PPO_")

    rolled = run_rlcli(rlcli_exe, "rollout", f"{STORAGE}/remote", "--episodes", "3", "--json", env=env, timeout=300)
    assert rolled.returncode == 0, rolled.stderr
    assert json.loads(rolled.stdout)["episodes"] == 3
    mirror = Path(env["XDG_CACHE_HOME"]) / "rlcli" / "storage" / "s3" / BUCKET / "exps" / "remote"
    chosen = Path(json.loads(best.stdout)["path"].replace(f"{STORAGE}/remote", str(mirror)))
    assert (chosen / "learner_group").is_dir()  # the rolled-out checkpoint came down whole ...
    others = [c for c in mirror.glob("*/checkpoint_*") if c != chosen]
    assert others and all(not (c / "learner_group").exists() for c in others)  # ... the others did not


def test_resume_of_the_finished_remote_experiment(trained, rlcli_exe):
    env, _ = trained
    again = run_rlcli(rlcli_exe, "train", "--resume", "--name", "remote", "--storage-path", STORAGE, env=env)
    assert again.returncode == 0, again.stderr
    assert "already finished" in again.stdout
