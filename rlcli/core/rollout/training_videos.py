"""Videos while training (``--video-every N``, the old ``monitor: true``): RLlib calls
:func:`record_training_video` after each training iteration (its ``on_train_result`` callback),
and at iteration 1 and every N-th one it rolls out one greedy episode of the current policy in a
rendering env and writes ``<trial dir>/videos/iteration_<N>/episode-000.mp4``.

The episode is played by ``rlcli rollout``'s own code from a checkpoint of the algorithm saved to
a temporary dir, so the video shows exactly what ``rlcli rollout CKPT --video-dir`` would: the
same env construction, connectors and greedy actions. A video that fails (an env that cannot
render) is logged as a warning and training goes on: a video must never cost a run."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger("rlcli.training_videos")

#: Where the trial's videos go, inside its trial dir.
VIDEOS_DIR = "videos"


def is_video_iteration(iteration: int, every: int) -> bool:
    return iteration == 1 or iteration % every == 0


def record_training_video(every: int, algorithm: Any, result: dict[str, Any] | None = None, **_: Any) -> None:
    """``on_train_result``: at the iterations :func:`is_video_iteration` picks, one MP4."""
    iteration = int((result or {}).get("training_iteration") or algorithm.iteration)
    if not is_video_iteration(iteration, every):
        return
    target = trial_dir(algorithm) / VIDEOS_DIR / f"iteration_{iteration:06d}"
    try:
        _record(algorithm, target, seed=iteration)
    except Exception as exc:  # a video must never end a training run; the reason is kept beside the videos
        reason = f"no video at iteration {iteration}: {type(exc).__name__}: {exc}"
        logger.warning("rlcli: %s", reason)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.with_suffix(".error.txt").write_text(reason + "\n", encoding="utf-8")


def trial_dir(algorithm: Any) -> Path:
    """The trial's working dir under Tune (Tune copies it into the trial dir: ``sync_artifacts``),
    or the Trainable's logdir outside Tune (``--local-mode``)."""
    import warnings

    from ray import tune

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # outside Tune it warns, then returns None
        try:
            working = tune.get_context().get_trial_dir()
        except Exception:
            working = None
    return Path(working or algorithm.logdir)


def _record(algorithm: Any, target: Path, seed: int) -> None:
    from rlcli.core.rollout.policy import load_config_state
    from rlcli.core.rollout.request import RolloutSpec
    from rlcli.core.rollout.runner import run_rollout
    from rlcli.core.store.checkpoints import CheckpointRef

    with tempfile.TemporaryDirectory(prefix="rlcli-video-") as tmp:
        algorithm.save_to_path(tmp)
        ref = CheckpointRef(Path(tmp), None, None, None, None, "training video")
        spec = RolloutSpec(checkpoint=ref, episodes=1, num_envs=1, seed=seed, video_dir=target)
        run_rollout(spec, load_config_state(Path(tmp)))
