#!/usr/bin/env python3
# Adapted from the shared benchmark kit (shared/bench/gen_experiment.py); kept close to it.
# ruff: noqa: SIM115
"""Generate a synthetic-but-realistic Ray Tune (2.60) experiment directory for benchmarking
result-analysis tools.

Usage:
  python gen_experiment.py --trials 50 --rows 200 --out /tmp/exp_big/n50_m200 \
      --template-row /path/to/real/trial/result.json \
      [--state-template /path/to/real/experiment_state-XXXX.json] [--ckpts 5] [--seed 0]

What it writes (layout mirrors a real `tune.Tuner(PPO, ...)` run):
  OUT/
    experiment_state-<date>.json     (only with --state-template; needs `ray` importable)
    basic-variant-state-<date>.json, tuner.pkl, trainable.pkl  (copied from the template dir if present)
    PPO_CartPole-v1_<tid>_<i>_<date>/
      params.json, params.pkl       trial config (template config with perturbed lr)
      result.json                   M rows, one JSON dict per line (same key layout as the template row)
      progress.csv                  same rows flattened with '/' separators, 'config' dropped (like Tune)
      checkpoint_00000K/            K checkpoint dirs (placeholder files only, not loadable weights)
      events.out.tfevents...        not generated

Row generation: the template row (last line of a real result.json, or a file holding one JSON
row) is deep-copied into a pool of variants whose float leaves are perturbed (lognormal, sigma 0.1);
each synthetic row picks a variant and overwrites the time/iteration/step/return fields:
training_iteration increasing, env_runners/episode_return_mean following a noisy saturating
learning curve (trial-specific ceiling and speed), timestamps/time_total_s cumulative.
Rows are produced by splicing values into pre-serialized JSON fragments, so large experiments
generate quickly.

The experiment_state file is built by cloning the template's single trial with Ray's own
Trial/_TrainingRunMetadata classes (trial_id, config, dir name, last_result, metric_analysis and
checkpoint-manager entries are rewritten), so ExperimentAnalysis / Tuner.restore accept it.
Without --state-template only the per-trial files are written (enough for readers that scan
trial dirs, not for ExperimentAnalysis).
"""

import argparse
import copy
import csv
import datetime as dt
import glob
import json
import math
import os
import pickle
import random
import re
import shutil
import sys
import time
from collections import deque

METRIC_PATH = ("env_runners", "episode_return_mean")


def load_template_row(path):
    with open(path, "rb") as f:
        data = f.read().strip()
    lines = data.split(b"\n")
    return json.loads(lines[-1])


def perturb(obj, rng, sigma=0.1, skip=("config",)):
    if isinstance(obj, dict):
        return {k: (v if k in skip else perturb(v, rng, sigma, ())) for k, v in obj.items()}
    if isinstance(obj, list):
        return [perturb(v, rng, sigma, ()) for v in obj]
    if isinstance(obj, float) and math.isfinite(obj):
        return obj * math.exp(rng.gauss(0.0, sigma))
    return obj


def set_path(d, path, value):
    for k in path[:-1]:
        if not isinstance(d.get(k), dict):
            return False
        d = d[k]
    if path[-1] in d:
        d[path[-1]] = value
        return True
    return False


def flatten(d, prefix="", out=None, sep="/"):
    if out is None:
        out = {}
    for k, v in d.items():
        key = f"{prefix}{sep}{k}" if prefix else str(k)
        if isinstance(v, dict) and v:
            flatten(v, key, out, sep)
        else:
            out[key] = v
    return out


# Fields rewritten per row. (path, kind)
ROW_FIELDS = [
    (("training_iteration",), "iter"),
    (("iterations_since_restore",), "iter"),
    (("env_runners", "episode_return_mean"), "ret"),
    (("env_runners", "episode_return_max"), "ret_max"),
    (("env_runners", "episode_return_min"), "ret_min"),
    (("env_runners", "episode_len_mean"), "ret"),
    (("env_runners", "episode_len_max"), "ret_max"),
    (("env_runners", "episode_len_min"), "ret_min"),
    (("env_runners", "agent_episode_return_mean", "default_agent"), "ret"),
    (("env_runners", "module_episode_return_mean", "default_policy"), "ret"),
    (("env_runners", "num_env_steps_sampled_lifetime"), "steps"),
    (("env_runners", "num_agent_steps_sampled_lifetime", "default_agent"), "steps"),
    (("env_runners", "num_module_steps_sampled_lifetime", "default_policy"), "steps"),
    (("num_env_steps_sampled_lifetime",), "steps"),
    (("learners", "__all_modules__", "num_env_steps_trained_lifetime"), "trained"),
    (("time_this_iter_s",), "dt"),
    (("time_total_s",), "ttot"),
    (("time_since_restore",), "ttot"),
    (("timestamp",), "ts"),
    (("date",), "date"),
    (("trial_id",), "tid"),
    (("checkpoint_dir_name",), "ckpt"),
    (("should_checkpoint",), "should_ckpt"),
    (("done",), "done"),
    (("config",), "config"),
]


class RowFactory:
    """Pre-serializes template variants with sentinels; builds rows by string splicing."""

    def __init__(self, template, rng, n_variants=16):
        self.fields = []
        base = copy.deepcopy(template)
        # Mark which fields exist in the template
        for path, kind in ROW_FIELDS:
            if kind is None:
                continue
            if set_path(copy.deepcopy(base), path, 0):
                self.fields.append((path, kind))
        self.json_variants = []
        self.csv_variants = []
        for _ in range(n_variants):
            v = perturb(base, rng)
            for idx, (path, _kind) in enumerate(self.fields):
                set_path(v, path, f"@@{idx}@@")
            text = json.dumps(v)
            parts = re.split(r'"@@(\d+)@@"', text)
            self.json_variants.append((parts[0::2], [int(x) for x in parts[1::2]]))
            vflat = flatten({k: val for k, val in v.items() if k != "config"})
            self.csv_variants.append(vflat)
        self.columns = list(self.csv_variants[0].keys())
        # column index -> field idx
        self.col_field = {}
        for c_i, col in enumerate(self.columns):
            m = re.fullmatch(r"@@(\d+)@@", str(self.csv_variants[0][col]))
            if m:
                self.col_field[c_i] = int(m.group(1))
        self.csv_rows = [[vf[c] for c in self.columns] for vf in self.csv_variants]

    def row(self, vi, values):
        """values: dict kind -> python value (already for this row)."""
        pieces, order = self.json_variants[vi]
        enc = {}
        out = [pieces[0]]
        for j, fidx in enumerate(order):
            kind = self.fields[fidx][1]
            s = enc.get(kind)
            if s is None:
                s = values["config_json"] if kind == "config" else json.dumps(values[kind])
                enc[kind] = s
            out.append(s)
            out.append(pieces[j + 1])
        return "".join(out)

    def csv_row(self, vi, values):
        r = list(self.csv_rows[vi])
        for c_i, fidx in self.col_field.items():
            kind = self.fields[fidx][1]
            v = values[kind]
            r[c_i] = "" if v is None else v
        return r


def make_config(template_cfg, rng):
    cfg = copy.deepcopy(template_cfg) if isinstance(template_cfg, dict) else {}
    lr = 10 ** rng.uniform(-4.5, -2.5)
    if "lr" in cfg:
        cfg["lr"] = lr
    cfg.setdefault("lr", lr)
    return cfg, lr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument(
        "--template-row", required=True, help="result.json of a real trial (last line used) or a 1-row JSON file"
    )
    ap.add_argument("--state-template", default=None, help="real experiment_state-*.json to clone (needs ray)")
    ap.add_argument("--ckpts", type=int, default=5, help="checkpoint dirs per trial (evenly spaced, last row included)")
    ap.add_argument("--no-csv", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name-prefix", default="PPO_CartPole-v1")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    t_start = time.time()
    template = load_template_row(a.template_row)
    factory = RowFactory(template, rng)
    os.makedirs(a.out, exist_ok=True)
    date_tag = dt.datetime.fromtimestamp(t_start).strftime("%Y-%m-%d_%H-%M-%S")
    base_tid = f"{rng.randrange(16**5):05x}"
    ckpt_rows = sorted({max(1, round(a.rows * (k + 1) / a.ckpts)) for k in range(a.ckpts)}) if a.ckpts > 0 else []
    trials_meta = []
    bytes_json = 0
    for i in range(a.trials):
        tid = f"{base_tid}_{i:05d}"
        cfg, lr = make_config(template.get("config", {}), rng)
        dirname = f"{a.name_prefix}_{tid}_{i}_lr={lr:.4g}_{date_tag}"
        tdir = os.path.join(a.out, dirname)
        os.makedirs(tdir, exist_ok=True)
        with open(os.path.join(tdir, "params.json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
        with open(os.path.join(tdir, "params.pkl"), "wb") as f:
            pickle.dump(cfg, f)
        cfg_json = json.dumps(cfg)
        ceiling = rng.uniform(120, 500)
        speed = rng.uniform(0.002, 0.05) * max(1.0, 200.0 / a.rows) ** 0.5
        t0 = t_start + rng.uniform(0, 60)
        ttot = 0.0
        steps_per_iter = 4000
        ckpt_results = []
        last_values = None
        metric_hist = []
        jf = open(os.path.join(tdir, "result.json"), "w")
        cw = None
        if not a.no_csv:
            cf = open(os.path.join(tdir, "progress.csv"), "w", newline="")
            cw = csv.writer(cf)
            cw.writerow(factory.columns)
        k_ckpt = 0
        for j in range(a.rows):
            it = j + 1
            dtv = rng.uniform(3.0, 5.0)
            ttot += dtv
            ret = ceiling * (1 - math.exp(-speed * it)) + 9.0 + rng.gauss(0, 0.04 * ceiling)
            ret = min(500.0, max(8.0, ret))
            metric_hist.append(ret)
            is_ck = it in ckpt_rows
            ck_name = None
            if is_ck:
                ck_name = f"checkpoint_{k_ckpt:06d}"
                k_ckpt += 1
            values = {
                "iter": it,
                "ret": ret,
                "ret_max": min(500.0, ret * rng.uniform(1.1, 1.6)),
                "ret_min": max(8.0, ret * rng.uniform(0.2, 0.8)),
                "steps": it * steps_per_iter,
                "trained": it * steps_per_iter * 195,
                "dt": dtv,
                "ttot": ttot,
                "ts": int(t0 + ttot),
                "date": dt.datetime.fromtimestamp(t0 + ttot).strftime("%Y-%m-%d_%H-%M-%S"),
                "tid": tid,
                "ckpt": ck_name,
                "should_ckpt": is_ck,
                "done": it == a.rows,
                "config_json": cfg_json,
                "config": None,
            }
            vi = rng.randrange(len(factory.json_variants))
            line = factory.row(vi, values)
            jf.write(line)
            jf.write("\n")
            bytes_json += len(line) + 1
            if cw:
                cw.writerow(factory.csv_row(vi, values))
            if is_ck:
                cdir = os.path.join(tdir, ck_name)
                os.makedirs(cdir, exist_ok=True)
                cfile = os.path.join(cdir, "rllib_checkpoint.json")
                with open(cfile, "w") as f:
                    json.dump(
                        {
                            "class_and_ctor_args_file": "class_and_ctor_args.pkl",
                            "state_file": "algorithm_state",
                            "checkpoint_version": "2.1",
                            "synthetic": True,
                            "training_iteration": it,
                        },
                        f,
                    )
                # Tune writes the checkpoint right after the row is reported: mtime = row timestamp
                os.utime(cfile, (values["ts"], values["ts"]))
                os.utime(cdir, (values["ts"], values["ts"]))
                ckpt_results.append((cdir, line))
            last_values = (line, values)
        jf.close()
        if cw:
            cf.close()
        trials_meta.append(
            {
                "tid": tid,
                "dirname": dirname,
                "cfg": cfg,
                "last_line": last_values[0],
                "metric_hist": metric_hist,
                "ckpts": ckpt_results,
                "start": t0,
            }
        )
    if a.state_template:
        write_state(a, trials_meta, date_tag)
    print(
        json.dumps(
            {
                "out": a.out,
                "trials": a.trials,
                "rows": a.rows,
                "ckpts_per_trial": len(ckpt_rows),
                "result_json_bytes": bytes_json,
                "gen_seconds": round(time.time() - t_start, 1),
                "state": bool(a.state_template),
            }
        )
    )


def write_state(a, trials_meta, date_tag):
    """Clone the template experiment_state's trial for every synthetic trial, using Ray classes."""
    from ray.train import Checkpoint
    from ray.train._internal.checkpoint_manager import _CheckpointManager
    from ray.train._internal.session import _TrainingResult
    from ray.tune.experiment.trial import Trial
    from ray.tune.utils.serialization import TuneFunctionEncoder, _loads_with_cloudpickle

    with open(a.state_template) as f:
        raw = f.read()
    state = _loads_with_cloudpickle(raw)
    tmpl_trial_json, tmpl_meta_json = state["trial_data"][0]
    tmpl_dir = os.path.dirname(os.path.abspath(a.state_template))
    exp_abs = os.path.abspath(a.out)
    trial_data = []
    for tm in trials_meta:
        trial = Trial.from_json_state(tmpl_trial_json, stub=True)
        trial.restore_run_metadata(tmpl_meta_json)
        last = json.loads(tm["last_line"])
        trial.trial_id = tm["tid"]
        trial.config = tm["cfg"]
        trial.evaluated_params = {"lr": tm["cfg"].get("lr")}
        trial.experiment_tag = f"{tm['tid'].split('_')[-1].lstrip('0') or '0'}_lr={tm['cfg'].get('lr'):.4g}"
        trial.status = Trial.TERMINATED
        st = copy.copy(trial.storage)
        st.storage_fs_path = os.path.dirname(exp_abs)
        if hasattr(st, "storage_local_path"):
            st.storage_local_path = os.path.dirname(exp_abs)
        st.experiment_dir_name = os.path.basename(exp_abs)
        st.trial_dir_name = tm["dirname"]
        st.current_checkpoint_index = len(tm["ckpts"]) - 1
        trial.storage = st
        trial.relative_logdir = tm["dirname"]
        rm = trial.run_metadata
        rm.last_result = last
        rm.last_result_time = last.get("timestamp", time.time())
        rm.start_time = tm["start"]
        # Keep the template's per-metric stats for the ~100 other leaves; recompute the ones we vary.
        ma = copy.deepcopy(rm.metric_analysis)
        mns = copy.deepcopy(rm.metric_n_steps)
        hist = tm["metric_hist"]
        iters = list(range(1, len(hist) + 1))
        for key, series in (("env_runners/episode_return_mean", hist), ("training_iteration", iters)):
            stats = {"max": max(series), "min": min(series), "avg": sum(series) / len(series), "last": series[-1]}
            mns[key] = {}
            for n in rm._n_steps:
                stats[f"last-{n:d}-avg"] = sum(series[-n:]) / len(series[-n:])
                mns[key][str(n)] = deque(series[-n:], maxlen=n)
            ma[key] = stats
        rm.metric_analysis = ma
        rm.metric_n_steps = mns
        mgr = rm.checkpoint_manager
        if mgr is None:
            mgr = _CheckpointManager(checkpoint_config=None)
        new_mgr = copy.copy(mgr)
        results = []
        for cdir, line in tm["ckpts"]:
            res = _TrainingResult(checkpoint=Checkpoint(path=cdir), metrics=json.loads(line))
            results.append(res)
        new_mgr._checkpoint_results = results
        new_mgr._latest_checkpoint_result = results[-1] if results else None
        rm.checkpoint_manager = new_mgr
        rm.invalidate_cache()
        trial.invalidate_json_state()
        trial_data.append(trial.get_json_state())
    state["trial_data"] = trial_data
    out_state = os.path.join(a.out, f"experiment_state-{date_tag}.json")
    with open(out_state, "w") as f:
        json.dump(state, f, cls=TuneFunctionEncoder)
    for pat in ("basic-variant-state-*.json", "tuner.pkl", "trainable.pkl"):
        for p in glob.glob(os.path.join(tmpl_dir, pat)):
            shutil.copy(p, os.path.join(a.out, os.path.basename(p)))


if __name__ == "__main__":
    sys.exit(main())
