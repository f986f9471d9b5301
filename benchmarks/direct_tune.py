"""The reference for rlcli's own overhead: a tuned-example YAML run through a minimal, plain
``tune.Tuner`` script, the way a user would write it without rlcli (imports, ``ray.init``,
``Tuner.fit``, ``ray.shutdown``, one after the other).

Usage: python benchmarks/direct_tune.py FILE.yaml STORAGE NAME [STOP_KEY=VALUE ...]
Prints one JSON line: env steps, iterations, rolling mean return, seconds since process start.
Only the rolling-mean metric comes from rlcli (it is what the stop criterion measures).
"""

from __future__ import annotations

import time

PROCESS_START = time.time()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")

import ray  # noqa: E402
import yaml  # noqa: E402
from ray import tune  # noqa: E402
from ray.rllib.algorithms.registry import ALGORITHMS  # noqa: E402

from rlcli.core.rllib.rolling_return import ROLLING_RETURN, with_rolling_return  # noqa: E402


def main() -> None:
    path, storage, name, *stop_pairs = sys.argv[1:]
    with open(path, encoding="utf-8") as fh:
        (experiment,) = yaml.safe_load(fh).values()
    stop = dict(experiment.get("stop", {}))
    for pair in stop_pairs:  # merged into the file's criteria, as rlcli's --stop does
        key, value = pair.split("=", 1)
        stop[key] = float(value)
    algo_cls, config = ALGORITHMS[experiment["run"]]()  # the class and its default config
    settings = dict(experiment.get("config", {}))
    model_config = settings.pop("model_config", None)
    config = config.environment(experiment["env"]).update_from_dict(settings)
    if model_config:
        config = config.rl_module(model_config=model_config)
    configured = time.time()
    ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    ray_up = time.time()
    tuner = tune.Tuner(
        algo_cls,
        param_space=with_rolling_return(config.to_dict()),
        run_config=tune.RunConfig(
            name=name,
            storage_path=storage,
            stop=stop,
            checkpoint_config=tune.CheckpointConfig(
                num_to_keep=experiment.get("keep_checkpoints_num"),
                checkpoint_frequency=experiment.get("checkpoint_freq", 0),
                checkpoint_at_end=experiment.get("checkpoint_at_end", False),
            ),
            verbose=0,
        ),
    )
    result = tuner.fit()[0]
    fitted = time.time()
    ray.shutdown()
    metrics = result.metrics
    print(
        json.dumps(
            {
                "env_steps": int(metrics["num_env_steps_sampled_lifetime"]),
                "iterations": int(metrics["training_iteration"]),
                "rolling_mean": metrics.get(ROLLING_RETURN),
                "seconds": time.time() - PROCESS_START,
                "phases": {
                    "imports + config": configured - PROCESS_START,
                    "ray.init": ray_up - configured,
                    "Tuner + fit": fitted - ray_up,
                    "ray.shutdown": time.time() - fitted,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
