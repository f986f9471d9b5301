"""Bad input across every command, through ``rlcli``'s own entry function (and a sample of cases
through the installed script in a subprocess): each case ends in exactly one ``Error: ...`` line
naming the problem, exit 2 for usage errors and 1 for runtime failures, no traceback, no Ray
started for a usage error that can be told before Ray starts, and nothing the user made is touched."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest
from helpers import TINY_PPO, last_error_line, run_rlcli, storage_env, trial_dirs

pytestmark = pytest.mark.integration
#: The usage errors told once Ray runs: what the cluster's GPUs are, and an existing experiment
#: (checked when it is claimed, so a run still writing it is named by its lock); every other
#: exit-2 case must fail before Ray starts.
NEED_RAY = {"gpus-torch-cannot-use", "name-exists"}
REPO = Path(__file__).resolve().parents[2]
USERPROJ = REPO / "tests" / "data" / "userproj"

FILES = {
    "empty.yaml": "",
    "good.yaml": "exp:\n  run: PPO\n  env: CartPole-v1\n",
    "tag.yaml": 'exp: !!python/object/apply:os.system ["echo pwned"]\n',
    "list.yaml": "- a\n- b\n",
    "norun.yaml": "exp:\n  env: CartPole-v1\n",
    "es.yaml": "exp:\n  run: ES\n  env: CartPole-v1\n",
    "config-list.yaml": "exp:\n  run: PPO\n  env: CartPole-v1\n  config: [1, 2]\n",
    "broken.yaml": "exp: {run: PPO, env: CartPole-v1\n",
    "offline.yaml": "exp:\n  run: BC\n  env: CartPole-v1\n  config:\n    input_: /nonexistent/episodes.parquet\n",
}

TRAIN = ("train", "--run", "PPO", "--env", "CartPole-v1")
DRY = (*TRAIN, "--dry-run")

# (id, args, exit code, text the error line must contain). CK = a real checkpoint, EXP = a real
# experiment dir, BADCK = a checkpoint with damaged files; paths are relative to the workspace.
CASES = [
    # train: values, names, files
    ("config-malformed-json", (*DRY, "--config", '{"lr": 0.1'), 2, "--config"),
    ("config-not-mapping", (*DRY, "--config", "[1, 2]"), 2, "must be a mapping"),
    ("stop-not-number", (*DRY, "--stop", "training_iteration=abc"), 2, "must be a finite number"),
    ("stop-infinite", (*DRY, "--stop", "training_iteration=1e400"), 2, "finite"),
    ("override-no-equals", (*DRY, "lr0.001"), 2, "has no '='"),
    ("unknown-algorithm", ("train", "--run", "PPOO", "--env", "CartPole-v1", "--dry-run"), 2, "Did you mean 'PPO'"),
    ("removed-algorithm-flag", ("train", "--run", "MAML", "--env", "CartPole-v1", "--dry-run"), 2, "no longer ships"),
    ("unknown-env", ("train", "--run", "PPO", "--env", "CartPol-v1", "--dry-run"), 2, "CartPole-v1"),
    ("env-module-missing", ("train", "--run", "PPO", "--env", "no_such_mod:Env", "--dry-run"), 2, "no_such_mod"),
    ("unknown-config-key", (*DRY, "lrr=0.1"), 2, "Did you mean 'lr'"),
    ("wrong-type-number", (*DRY, "num_epochs=abc"), 2, "must be a number"),
    ("wrong-type-flag", (*DRY, "use_gae=maybe"), 2, "true or false"),
    ("wrong-type-lr", (*DRY, "lr=abc"), 2, "lr"),
    ("negative-batch", (*DRY, "train_batch_size=-5"), 2, "train_batch_size"),
    ("huge-batch", (*DRY, "train_batch_size=1e30"), 2, "far beyond"),
    ("huge-num-samples", (*DRY, "--num-samples", "1000000000000"), 2, "trials requested"),
    ("bad-grid-search", (*DRY, "lr={grid_search: 1}"), 2, "grid_search"),
    ("bad-int-option", (*TRAIN, "--checkpoint-freq", "x"), 2, "--checkpoint-freq"),
    ("negative-option", (*TRAIN, "--max-failures", "-5"), 2, "--max-failures"),
    ("env-config-list", (*DRY, "--env-config", "[1,2]"), 2, "--env-config"),
    ("verbose-and-quiet", (*DRY, "-v", "-q"), 2, "contradict"),
    ("dry-run-with-cluster", (*DRY, "--ray-address", "auto"), 2, "--dry-run"),
    ("file-missing", ("train", "-f", "missing.yaml"), 2, "does not exist"),
    ("file-empty", ("train", "-f", "empty.yaml"), 2, "expected one or more experiments"),
    ("file-is-dir", ("train", "-f", "emptydir"), 2, "is a directory"),
    ("file-binary", ("train", "-f", "binary.yaml"), 2, "not UTF-8"),
    ("file-python-tag", ("train", "-f", "tag.yaml"), 2, "no Python tags"),
    ("file-a-list", ("train", "-f", "list.yaml"), 2, "expected one or more experiments"),
    ("file-no-run", ("train", "-f", "norun.yaml"), 2, "No algorithm"),
    ("file-removed-algorithm", ("train", "-f", "es.yaml"), 2, "Use PPO instead"),
    ("file-config-list", ("train", "-f", "config-list.yaml"), 2, "must be a mapping"),
    ("file-broken-yaml", ("train", "-f", "broken.yaml"), 2, "line 2"),
    ("file-offline-data-missing", ("train", "-f", "offline.yaml", "--dry-run"), 2, "does not exist"),
    # train: runs, storage, cluster
    ("resume-nothing", (*TRAIN, "--resume", "--name", "nothing", "stop.training_iteration=1"), 2, "Nothing to resume"),
    ("name-exists", (*TRAIN, "--name", "exp", "stop.training_iteration=1", *TINY_PPO), 2, "already exists"),
    ("storage-unwritable", (*TRAIN, "--storage-path", "/proc/rlcli", "stop.training_iteration=1"), 2, "not writable"),
    ("storage-is-a-file", (*TRAIN, "--storage-path", "empty.yaml", "stop.training_iteration=1"), 2, "not writable"),
    ("cluster-unreachable", (*TRAIN, "--ray-address", "127.0.0.1:9", "stop.training_iteration=1"), 1, "reach"),
    ("gpus-torch-cannot-use", (*TRAIN, "--ray-num-gpus", "64", "stop.training_iteration=1"), 2, "torch can use"),
    ("external-env-bad-port", (*DRY, "--external-env", "localhost:99999"), 2, "[HOST:]PORT"),
    ("external-env-two-trials", (*DRY, "--external-env", "5555", "--num-samples", "2"), 2, "serves one trial"),
    # train: the user's own code by import path (tests/data/userproj is on PYTHONPATH)
    ("callbacks-module-missing", (*DRY, "callbacks=no_such_mod:Stats"), 2, "no_such_mod"),
    ("callbacks-name-missing", (*DRY, "callbacks=rlcli_userproj.callbacks:Nope"), 2, "has no 'Nope'"),
    ("callbacks-wrong-base", (*DRY, "callbacks=rlcli_userproj.callbacks.NotACallback"), 2, "not a subclass of RLlib"),
    ("on-episode-end-missing", (*DRY, "on_episode_end=rlcli_userproj.callbacks:nope"), 2, "on_episode_end"),
    ("module-wrong-base", (*DRY, "rl_module_spec.module_class=rlcli_userproj.callbacks:EpisodeStats"), 2, "RLModule"),
    ("module-spec-typo", (*DRY, "rl_module_spec.modul_class=x.y:Z"), 2, "module_class"),
    ("connector-not-callable", (*DRY, "env_to_module_connector=rlcli_userproj.envs:np"), 2, "not a class or function"),
    ("mapping-fn-missing", (*DRY, "policy_mapping_fn=rlcli_userproj.wiring:nope"), 2, "policy_mapping_fn"),
    ("import-missing", (*DRY, "--import", "no_such_pkg"), 2, "--import no_such_pkg"),
    ("registered-env-missing", ("train", "--run", "PPO", "--env", "rlcli_userproj.envs:nope", "--dry-run"), 2, "nope"),
    # rollout
    ("rollout-missing", ("rollout", "missing_dir"), 2, "does not exist"),
    ("rollout-empty-dir", ("rollout", "emptydir"), 2, "not a checkpoint"),
    ("rollout-damaged-checkpoint", ("rollout", "BADCK"), 2, "is corrupted"),
    ("rollout-other-env", ("rollout", "CK", "--env", "Pendulum-v1"), 2, "observations of shape"),
    ("rollout-other-algorithm", ("rollout", "CK", "--run", "DQN"), 2, "trained with PPO"),
    ("rollout-zero-episodes", ("rollout", "CK", "--episodes", "0"), 2, "--episodes"),
    ("rollout-shelve-without-out", ("rollout", "CK", "--use-shelve"), 2, "--use-shelve needs --out"),
    ("rollout-out-no-dir", ("rollout", "CK", "--out", "nodir/x.parquet"), 2, "does not exist"),
    ("rollout-config-unknown-key", ("rollout", "CK", "--config", '{"nope": 1}'), 2, "unknown key 'nope'"),
    ("rollout-env-config-broken", ("rollout", "CK", "--env-config", "{bad"), 2, "--env-config"),
    ("rollout-bad-choice", ("rollout", "CK", "--which", "worst"), 2, "--which"),
    # export and serve
    ("export-missing", ("export", "missing_dir", "--format", "onnx", "-o", "x.onnx"), 2, "does not exist"),
    ("export-bad-format", ("export", "CK", "--format", "h5", "-o", "x.h5"), 2, "--format"),
    ("export-no-output", ("export", "CK", "--format", "onnx"), 2, "--output"),
    ("export-under-a-file", ("export", "CK", "--format", "torchscript", "-o", "empty.yaml/x.pt"), 2, "Cannot write"),
    ("serve-missing", ("serve", "missing_dir"), 2, "does not exist"),
    ("serve-bad-port", ("serve", "CK", "--port", "70000"), 2, "--port"),
    ("serve-bad-backend", ("serve", "CK", "--backend", "fast"), 2, "--backend"),
    ("serve-replicas-embedded", ("serve", "CK", "--backend", "embedded", "--num-replicas", "2"), 2, "--backend ray"),
    ("serve-token-file-missing", ("serve", "CK", "--token-file", "missing.txt"), 2, "--token-file 'missing.txt'"),
    ("serve-token-file-empty", ("serve", "CK", "--token-file", "empty.yaml"), 2, "is empty"),
    ("serve-token-file-binary", ("serve", "CK", "--token-file", "binary.yaml"), 2, "cannot be read"),
    ("serve-damaged-checkpoint", ("serve", "BADCK", "--port", "48213"), 2, "is corrupted"),
    # analyze
    ("analyze-missing", ("analyze", "best-checkpoint", "missing"), 2, "not a directory"),
    ("analyze-empty-dir", ("analyze", "best-checkpoint", "emptydir"), 2, "No Tune trials"),
    ("analyze-a-file", ("analyze", "trials", "empty.yaml"), 2, "not a directory"),
    ("analyze-unknown-metric", ("analyze", "best-checkpoint", "EXP", "--metric", "nope/metric"), 2, "nope/metric"),
    ("analyze-bad-format", ("analyze", "export", "EXP", "--format", "xml"), 2, "--format"),
    ("analyze-export-under-a-file", ("analyze", "export", "EXP", "--output", "empty.yaml/x.csv"), 2, "Cannot write"),
    ("migrate-output-under-a-file", ("migrate", "good.yaml", "-o", "empty.yaml/x.yaml"), 2, "Cannot write"),
    ("analyze-plot-bad-suffix", ("analyze", "plot", "EXP", "--out", "x.xyz"), 2, ".xyz"),
    ("analyze-bad-threshold", ("analyze", "compare", "EXP", "--threshold", "abc"), 2, "--threshold"),
    ("analyze-bad-mode", ("analyze", "best-config", "EXP", "--mode", "sideways"), 2, "--mode"),
    # migrate, examples, the CLI itself
    ("migrate-missing", ("migrate", "missing.yaml"), 2, "not a file"),
    ("migrate-removed-algorithm", ("migrate", "es.yaml"), 2, "no longer ships"),
    ("migrate-python-tag", ("migrate", "tag.yaml"), 2, "no Python tags"),
    ("examples-show-unknown", ("examples", "show", "nope"), 2, "No tuned example named 'nope'"),
    ("examples-run-unknown", ("examples", "run", "nope"), 2, "No tuned example named 'nope'"),
    ("unknown-command", ("nosuchcommand",), 2, "No such command"),
]


def _digest(root: Path) -> str:
    """Every file under ``root`` with its size and content hash: proof nothing was touched."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(f"{path.relative_to(root)}:{path.stat().st_size}:".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@pytest.fixture(scope="module")
def workspace(filtered_cartpole, tmp_path_factory) -> Path:
    """Bad files, an empty dir, a real tiny experiment with a checkpoint (a copy of the session's
    filtered CartPole PPO, as ``exp``), and a damaged copy of its checkpoint."""
    root = tmp_path_factory.mktemp("bad-input")
    for name, text in FILES.items():
        (root / name).write_text(text)
    (root / "binary.yaml").write_bytes(b"\x00\xff\xfe garbage")
    (root / "emptydir").mkdir()
    shutil.copytree(filtered_cartpole, root / "exp", symlinks=True)
    (trial,) = trial_dirs(root / "exp")
    checkpoint = sorted(trial.glob("checkpoint_*"))[-1]
    (root / "CK").symlink_to(checkpoint)
    damaged = root / "BADCK"
    shutil.copytree(checkpoint, damaged)
    for state in damaged.rglob("*.pkl"):  # every pickled state cut in half, as a full disk leaves it
        state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])
    (root / "EXP").symlink_to(root / "exp")
    return root


def _check_one_error(case, workspace, exe: str | None) -> None:
    """One case, through ``exe`` in a subprocess, or in this process when ``exe`` is None."""
    case_id, args, code, needle = case
    before = _digest(workspace / "exp")
    entries = sorted(p.name for p in workspace.iterdir())
    marks = workspace.parent / f"{workspace.name}-timings.json"  # rlcli's own phase marks (RLCLI_TIMINGS)
    marks.unlink(missing_ok=True)
    env = storage_env(workspace, PYTHONPATH=str(USERPROJ), RLCLI_TIMINGS=str(marks))
    proc = run_rlcli(exe or "rlcli", *args, env=env, timeout=120, cwd=workspace, process=exe is not None)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == code, proc.stderr[-2000:]
    assert lines and lines[-1].startswith("Error: "), proc.stderr[-2000:]
    assert sum(line.startswith("Error: ") for line in lines) == 1, proc.stderr
    assert needle in lines[-1], lines[-1]
    assert "Traceback" not in proc.stderr + proc.stdout
    phases = json.loads(marks.read_text()) if marks.exists() else {}
    if code == 2 and case_id not in NEED_RAY:
        assert "ray_init_called" not in phases, f"{case_id}: Ray was started before the usage error"
    assert _digest(workspace / "exp") == before  # the user's experiment is untouched
    assert sorted(p.name for p in workspace.iterdir()) == entries  # and a failed run leaves nothing


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line(workspace, case):
    _check_one_error(case, workspace, None)


#: One case per command, and the two that cross Ray, through the installed script: what the
#: shell sees (the exit code of the process, its two streams).
IN_A_PROCESS = ("config-malformed-json", "file-missing", "name-exists", "cluster-unreachable", "rollout-other-env")
IN_A_PROCESS += ("export-bad-format", "serve-bad-port", "analyze-empty-dir", "migrate-missing", "unknown-command")
IN_A_PROCESS += ("examples-show-unknown",)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in IN_A_PROCESS], ids=lambda c: c[0])
def test_bad_input_through_the_installed_script(rlcli_exe, workspace, case):
    _check_one_error(case, workspace, rlcli_exe)


def test_serve_on_a_port_in_use(workspace):
    """Another program listens on the port: told before the policy loads, no Ray started."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        _check_one_error(("serve-port-in-use", ("serve", "CK", "--port", port), 2, "Cannot listen on"), workspace, None)


def test_the_matrix_is_at_least_forty_cases_over_every_command():
    from rlcli.cli import COMMANDS

    assert len(CASES) >= 40
    assert set(IN_A_PROCESS) <= {c[0] for c in CASES} and {c[0] for c in CASES} >= NEED_RAY
    assert {c[1][0] for c in CASES} >= set(COMMANDS)  # a new command needs its bad-input cases


def test_rlcli_debug_shows_the_traceback(rlcli_exe, workspace):
    env = dict(storage_env(workspace), RLCLI_DEBUG="1")
    proc = run_rlcli(rlcli_exe, "rollout", "BADCK", env=env, timeout=120, cwd=workspace)
    assert proc.returncode == 2 and "Traceback" in proc.stderr
    assert last_error_line(proc.stderr).startswith("Error: ")


class _Payload:
    """Unpickling this creates the file named in ``path``: proof that something unpickled it."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_analyze_never_unpickles(rlcli_exe, workspace, tmp_path):
    import pickle

    exp = tmp_path / "exp"
    shutil.copytree(workspace / "exp", exp)
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Payload(marker))
    pickle.loads(pickle.dumps(_Payload(tmp_path / "control")))  # the payload works when unpickled
    assert (tmp_path / "control").exists()
    for pkl in exp.rglob("*.pkl"):  # tuner.pkl, params.pkl, every checkpoint's state
        pkl.write_bytes(evil)
    env = storage_env(tmp_path)
    for args in (("best-checkpoint", str(exp)), ("trials", str(exp)), ("best-config", str(exp))):
        proc = run_rlcli(rlcli_exe, "analyze", *args, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    proc = run_rlcli(rlcli_exe, "analyze", "export", str(exp), "--output", str(tmp_path / "rows.csv"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()


def test_no_eval_exec_or_unsafe_yaml_in_the_package():
    import re

    sources = {p: p.read_text() for p in (REPO / "rlcli").rglob("*.py")}
    for path, text in sources.items():
        assert not re.search(r"(?<![\w.])(eval|exec)\(", text), path
        assert not re.search(r"yaml\.(unsafe_load|full_load)\(|yaml\.load\((?![^)]*SafeLoader)", text), path
    analysis = ("analysis.py", "tune_state.py", "rowscan.py", "curves.py", "export.py", "best_config.py")
    for path, text in sources.items():
        if path.name in analysis:
            assert not re.search(r"\b(pickle|cloudpickle)\.loads?\(", text), path
