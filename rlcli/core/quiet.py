"""Make Ray, Tune and RLlib print nothing rlcli did not ask for (``-v`` brings their logs back)."""

from __future__ import annotations

import logging
import os
import warnings

from rlcli.core.spec import RayOptions


def quiet_ray(options: RayOptions) -> None:
    """Environment and loggers that make Ray and Tune print nothing rlcli did not ask for."""
    env = {
        "RAY_AIR_NEW_OUTPUT": "0",
        "TUNE_DISABLE_SIGINT_HANDLER": "1",
        "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "0",
        "OMP_NUM_THREADS": "1",
        "RAY_DEDUP_LOGS": "1",
        # Tune stages results on local disk and copies them (with its experiment state) to the
        # storage path every >= 10 s ("auto"); a SIGKILL loses what was not copied yet. 5 s
        # halves that window at a negligible cost for rlcli's usual few trials.
        "TUNE_GLOBAL_CHECKPOINT_S": "5",
    }
    if not options.joins_cluster:
        env["RAY_AUTH_MODE"] = "disabled"
    if not options.verbose:
        env["PYTHONWARNINGS"] = "ignore"
    for key, value in env.items():
        os.environ.setdefault(key, value)
    silence_loggers(options.verbose)
    if not options.verbose:
        warnings.filterwarnings("ignore")


def silence_loggers(verbose: bool) -> None:
    """Ray's loggers to ERROR (again after RLlib's import, which resets ``ray.rllib``'s level)."""
    level = logging.INFO if verbose else logging.ERROR
    for name in ("ray", "ray.rllib", "ray.train", "ray.data"):
        logging.getLogger(name).setLevel(level)
    # Tune logs an errored trial's whole traceback; rlcli reports it in one line naming error.txt.
    for name in ("ray.tune", "ray.air"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)
