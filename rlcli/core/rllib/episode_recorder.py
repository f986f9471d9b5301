"""``output: DIR`` while training: every finished training episode saved once, as RLlib's
offline reader reads it back (``input_: DIR`` with ``input_read_episodes: true``, for BC/MARWIL).

Why rlcli records instead of RLlib 2.60's own recorder (``OfflineSingleAgentEnvRunner``),
measured on a 2-iteration CartPole run: without ``output_max_rows_per_file`` it writes its whole,
never emptied buffer again after every sample (6,089 steps recorded for 430 sampled); with it,
every chunk but the last of one sample is dropped; and what is left is written only when the
runner stops, through a Ray Data job as the trial ends (one run under Tune kept 15 of its 18
episodes; the same command kept all of them in the next). Here each
``on_sample_end`` writes that sample's finished episodes to one new Parquet file, straight
away and atomically (a temp name, then a rename): nothing is lost, duplicated or half-written.
The file format is RLlib's: one row per episode, column ``item``, the episode state packed with
``msgpack`` + ``msgpack_numpy``."""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path
from typing import Any

#: Written files count up per process, so names never repeat (with the runner's id beside them).
_counter = itertools.count()
_RUN_ID = uuid.uuid4().hex[:12]


def record_finished_episodes(output: str, env_runner: Any, samples: list[Any], **_: Any) -> None:
    """``on_sample_end``: this sample's finished episodes into a new file under ``output``."""
    if getattr(env_runner.config, "in_evaluation", False):
        return  # evaluation episodes are not training data
    done = [episode for episode in samples if episode.is_done]
    if not done:
        return
    import msgpack
    import msgpack_numpy
    import pyarrow as pa
    import pyarrow.parquet as pq

    items = [msgpack.packb(episode.get_state(), default=msgpack_numpy.encode) for episode in done]
    folder = Path(output) / _env_folder(env_runner)
    folder.mkdir(parents=True, exist_ok=True)
    index = getattr(env_runner, "worker_index", 0)
    target = folder / f"run-{index:06d}-{_RUN_ID}-{next(_counter):08d}.parquet"
    partial = target.with_name("." + target.name + ".part")
    pq.write_table(pa.table({"item": items}), partial)
    os.replace(partial, target)


def _env_folder(env_runner: Any) -> str:
    """One folder per env, named as RLlib's recorder names it (the env id, lower case)."""
    env = env_runner.config.env
    name = env if isinstance(env, str) else getattr(env, "__name__", "env")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name.split(":")[-1].lower())
