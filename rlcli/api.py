"""rlcli as a library: the calls a Python user or a notebook wants, and exactly the calls the
commands make (each command parses its options into one typed request, makes one of these calls
and renders the typed result).

    import rlcli
    (result,) = rlcli.train(run="PPO", env="CartPole-v1", overrides=("stop.training_iteration=5",))
    best = rlcli.best_checkpoint(result.spec.path)
    rolled = rlcli.rollout(best.path, episodes=20)
    trials = rlcli.load_trials(result.spec.path)

Each call that takes a request (``rollout``, ``serve``, the ``analyze`` calls) takes either the
request itself (e.g. ``rlcli.RolloutRequest.build(...)``, what the commands pass) or its path and
keywords, from which it builds the same request; not both. Requests are checked when built, before
any checkpoint or trial is read: a bad value raises :class:`rlcli.core.errors.UsageError` with the
message the command line prints. Ray, Tune and RLlib are imported inside the calls that need them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from rlcli.core import remote_storage
from rlcli.core.spec import ExperimentResult, RayOptions, TrainRequest

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from rlcli.core.analysis.best_config import BestConfig
    from rlcli.core.analysis.export import ExportedRows
    from rlcli.core.analysis.plots import Plot
    from rlcli.core.analysis.requests import (
        BestCheckpointRequest,
        BestConfigRequest,
        CompareRequest,
        PlotRequest,
        TrialExportRequest,
    )
    from rlcli.core.analysis.table import Table, TableQuery
    from rlcli.core.analysis.trials import BestCheckpoint, TrialRecord
    from rlcli.core.config.examples import Example, ExamplesQuery
    from rlcli.core.config.experiments import TrainInputs
    from rlcli.core.deploy.exporter import ExportResult
    from rlcli.core.deploy.serve_request import ServeRequest
    from rlcli.core.rollout.request import RolloutRequest
    from rlcli.core.rollout.result import RolloutResult
    from rlcli.core.train.prepare import PreparedExperiment
    from rlcli.core.train.progress_sink import ProgressSink

Notice = Callable[[str], None]
Request = TypeVar("Request")


class TrainFields(TypedDict, total=False):
    """The keywords of :func:`train_request` and :func:`train`: the fields of
    :class:`rlcli.core.config.experiments.TrainInputs` (what the flags of ``rlcli train`` set;
    ``config``, ``stop``, ``env_config`` are text as the flags take them), so a script's misspelt
    or mistyped keyword is a type error, not a surprise."""

    files: tuple[str, ...]
    run: str | None
    env: str | None
    config: str | None
    stop: str | None
    env_config: str | None
    checkpoint_freq: int | None
    checkpoint_at_end: bool | None
    keep_checkpoints_num: int | None
    checkpoint_score_attr: str | None
    storage_path: str | None
    name: str | None
    num_samples: int | None
    seed: int | None
    max_failures: int | None
    restart_failed_env_runners: bool | None
    num_env_runners: int | None
    num_envs_per_env_runner: int | None
    num_learners: int | None
    num_gpus_per_learner: float | None
    imports: tuple[str, ...]
    overrides: tuple[str, ...]
    restore: str | None
    scheduler: str | None
    scheduler_config: str | None
    video_every: int | None
    external_env: str | None
    search_alg: str | None
    search_config: str | None
    max_concurrent_trials: int | None
    num_seeds: int | None
    wandb_project: str | None
    wandb_key: str | None
    wandb_run_name: str | None
    wandb_group: str | None
    mlflow: bool | None
    mlflow_tracking_uri: str | None
    legacy_defaults: bool


def _ignore(message: str) -> None:
    """The default notice and warning sink of library calls: say nothing."""


def _request(target: object, kind: type[Request], asked: Callable[[Any], Request]) -> Request:
    """``target`` itself when it is a ``kind`` request already, else ``asked(target)``: the
    request the call's keywords build from a path. A request and keywords together are an error,
    not a merge: with a request, ``asked`` must build what ``kind.build`` builds by default."""
    if not isinstance(target, kind):
        return asked(target)
    source = vars(target).get("paths") or vars(target)["path"]  # what build takes first
    if asked(source) != kind.build(source):  # type: ignore[attr-defined]  # every request kind has one
        raise TypeError(f"pass a {kind.__name__} or the keywords that build one, not both")
    return target


def train_request(
    inputs: TrainInputs | None = None,
    *,
    ray: RayOptions | None = None,
    resume: bool = False,
    show_metrics: tuple[str, ...] = (),
    command_line: tuple[str, ...] = (),
    local_mode: bool = False,
    notice: Notice = _ignore,
    **fields: Unpack[TrainFields],
) -> TrainRequest:
    """The resolved experiments of a ``train`` invocation: ``inputs``, or its fields as typed
    keywords (:class:`TrainFields`: ``run``, ``env``, ``files``, ``config``, ``stop``,
    ``overrides``, ...; ``config`` and ``stop`` are text as the flags take them, JSON/YAML or a
    file path; with ``inputs`` too, they replace its fields), legacy keys translated (each
    translation reported through ``notice``). Starts no Ray.

    Example::

        request = rlcli.train_request(run="PPO", env="CartPole-v1", stop='{"training_iteration": 5}')
        print(request.experiments[0].name, request.experiments[0].stop)
    """
    from rlcli.core.config.experiments import TrainInputs, build_specs, resume_inputs

    inputs = dataclasses.replace(inputs, **fields) if inputs is not None else TrainInputs(**fields)
    if resume:
        inputs = resume_inputs(inputs)
    built = build_specs(inputs)
    for message in built.notices:
        notice(message)
    return TrainRequest(
        experiments=built.specs,
        ray=ray or RayOptions(),
        resume=resume,
        command_line=command_line,
        show_metrics=show_metrics,
        local_mode=local_mode,
    )


def plan(request: TrainRequest) -> list[PreparedExperiment]:
    """What ``train`` would run, resolved and validated by RLlib, without starting Ray (``--dry-run``).

    Example::

        (prepared,) = rlcli.plan(rlcli.train_request(run="DQN", env="CartPole-v1"))
        print(prepared.spec.algorithm, prepared.num_trials, prepared.request)
    """
    from rlcli.core.train.dispatch import plan as plan_experiments

    return plan_experiments(request)


def train(
    request: TrainRequest | None = None,
    *,
    progress: ProgressSink | None = None,
    notice: Notice = _ignore,
    **fields: Unpack[TrainFields],
) -> list[ExperimentResult]:
    """Run the experiments as Ray Tune experiments (a fresh local Ray, or ``request.ray.address``):
    ``request``, or the :func:`train_request` keywords. ``progress`` receives live results (a
    :class:`rlcli.core.train.progress_sink.ProgressSink`; by default nothing is shown).

    Example::

        (result,) = rlcli.train(run="PPO", env="CartPole-v1", overrides=("stop.training_iteration=2",))
        print(result.spec.path, result.best_checkpoint)
    """
    from rlcli.core.train.dispatch import run_request
    from rlcli.core.train.progress_sink import SilentProgress

    request = request if request is not None else train_request(notice=notice, **fields)
    return run_request(request, progress or SilentProgress(), notice)


def rollout(
    path: str | Path | RolloutRequest,
    *,
    which: str = "best",
    metric: str | None = None,
    mode: str = "max",
    episodes: int | None = None,
    steps: int | None = None,
    explore: bool | None = None,
    num_envs: int | None = None,
    seed: int | None = None,
    env: str | None = None,
    env_config: str | dict[str, Any] | None = None,
    engine: str = "auto",
    out: str | Path | None = None,
    video_dir: str | Path | None = None,
    render: bool | None = None,
    run: str | None = None,
    config: str | dict[str, Any] | None = None,
    save_info: bool = False,
    use_shelve: bool = False,
    track_progress: bool = False,
    notice: Notice = _ignore,
) -> RolloutResult:
    """Evaluate the checkpoint ``path`` names (a checkpoint, or a trial/experiment dir's best or
    last one by ``metric``): a :class:`rlcli.RolloutRequest`, or the path and the keywords of
    :meth:`RolloutRequest.build <rlcli.core.rollout.request.RolloutRequest.build>` (episodes 10
    unless ``steps`` is given, 8 envs, greedy unless ``explore``; ``config`` is the old ``rllib
    rollout --config`` mapping, ``save_info`` / ``use_shelve`` / ``track_progress`` shape ``out``
    in the old pickle format). ``run`` is checked against the checkpoint's algorithm.

    Example::

        result = rlcli.rollout("~/ray_results/my-exp", episodes=20, seed=0)
        print(result.as_dict()["return_mean"], result.checkpoint)
    """
    from rlcli.core.rollout.request import RolloutRequest

    def asked(target: str | Path) -> RolloutRequest:
        return RolloutRequest.build(
            target,
            which=which,
            metric=metric,
            mode=mode,
            env=env,
            env_config=env_config,
            episodes=episodes,
            steps=steps,
            explore=explore,
            num_envs=num_envs,
            seed=seed,
            engine=engine,
            out=out,
            video_dir=video_dir,
            render=render,
            run=run,
            config=config,
            save_info=save_info,
            use_shelve=use_shelve,
            track_progress=track_progress,
        )

    request = _request(path, RolloutRequest, asked)  # checked before the rollout machinery loads
    from rlcli.core.rollout.runner import rollout_checkpoint

    return rollout_checkpoint(request, notice)


def serve(
    path: str | Path | ServeRequest,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    num_replicas: int = 1,
    max_batch_size: int = 32,
    batch_wait_ms: float = 0.0,
    backend: str = "auto",
    ray_address: str | None = None,
    token_file: str | Path | None = None,
    access_log: bool = False,
    which: str = "best",
    metric: str | None = None,
    mode: str = "max",
    notice: Notice = _ignore,
    ready: Notice = _ignore,
    warn: Notice = _ignore,
    access: Notice | None = None,
) -> None:
    """Serve the policy of the checkpoint ``path`` names (the lookup rollout uses) over HTTP
    until Ctrl-C or SIGTERM: a :class:`rlcli.ServeRequest`, or the path and its keywords. By
    default in this process (no Ray cluster); on Ray Serve with ``num_replicas`` > 1,
    ``ray_address`` or ``backend="ray"`` (``pip install 'rlcli[serve]'``). ``ready`` gets the URL
    once it answers, ``warn`` an exposed address without a token, ``access`` a line per request
    (with ``access_log``).

    Example::

        request = rlcli.ServeRequest.build("~/ray_results/my-exp", port=8001, max_batch_size=64)
        rlcli.serve(request, ready=print)  # POST http://127.0.0.1:8001/v1/actions; Ctrl-C stops
    """
    from rlcli.core.deploy.serve_request import ServeRequest

    def asked(target: str | Path) -> ServeRequest:
        return ServeRequest.build(
            target,
            host=host,
            port=port,
            num_replicas=num_replicas,
            max_batch_size=max_batch_size,
            batch_wait_ms=batch_wait_ms,
            backend=backend,
            ray_address=ray_address,
            token_file=token_file,
            access_log=access_log,
            which=which,
            metric=metric,
            mode=mode,
        )

    request = _request(path, ServeRequest, asked)  # checked before the serving machinery loads
    from rlcli.core.deploy.serving import serve_policy

    serve_policy(request, notice=notice, ready=ready, warn=warn, access=access)


def export(
    path: str | Path,
    fmt: str,
    output: str | Path,
    *,
    samples: int = 500,
    seed: int = 0,
    which: str = "best",
    metric: str | None = None,
    mode: str = "max",
    notice: Notice = _ignore,
) -> ExportResult:
    """Write the greedy policy of the checkpoint ``path`` names to ``output`` (``fmt``: ``onnx``
    or ``torchscript``), kept only if its actions equal rollout's on ``samples`` observations.

    Example::

        written = rlcli.export("~/ray_results/my-exp", "onnx", "policy.onnx")
        print(written.path, written.observation, written.action)
    """
    from rlcli.core.deploy.exporter import export_policy
    from rlcli.core.store.checkpoints import Selection

    selection = Selection(which=which, metric=metric or "", mode=mode)
    return export_policy(path, fmt, Path(output), selection, samples=samples, seed=seed, notice=notice)


def load_trials(
    paths: str | Path | tuple[str | Path, ...],
    metric: str | None = None,
    columns: tuple[str, ...] | None = None,
    warn: Notice = _ignore,
) -> list[TrialRecord]:
    """The trials of one or more experiment dirs (each read once), read without Ray and without
    unpickling; what could not be read is reported through ``warn``.

    Example::

        for trial in rlcli.load_trials("~/ray_results/my-exp"):
            print(trial.name, trial.status, trial.last("training_iteration"))
    """
    from rlcli.core.analysis.trials import BASE_COLUMNS
    from rlcli.core.analysis.trials import load_trials as load
    from rlcli.core.store.checkpoints import resolve_metric

    metric = resolve_metric(metric)
    records: list[TrialRecord] = []
    seen: set[Path] = set()
    for path in (paths,) if isinstance(paths, (str, Path)) else paths:
        if remote_storage.is_remote(path):
            path = remote_storage.pull(str(path))  # its local mirror (results, no checkpoint files)
        resolved = Path(path).expanduser().resolve()
        if resolved not in seen:
            seen.add(resolved)
            records.extend(load(path, metric, columns or BASE_COLUMNS))
    for record in records:
        for warning in record.warnings:
            warn(warning)
    return records


def best_checkpoint(
    path: str | Path | BestCheckpointRequest,
    metric: str | None = None,
    mode: str = "max",
    scope: str = "all",
    warn: Notice = _ignore,
) -> BestCheckpoint:
    """The checkpoint on disk whose own reported result is best (the rule the training summary
    and ``rollout`` use); ``scope`` ``last`` / ``avg-last-N`` ranks trials by that score first.

    Example::

        best = rlcli.best_checkpoint("~/ray_results/my-exp", scope="avg-last-5")
        print(best.trial, best.iteration, best.value, best.path)
    """
    from rlcli.core.analysis.requests import BestCheckpointRequest
    from rlcli.core.analysis.trials import best_checkpoint_of_trials

    request = _request(path, BestCheckpointRequest, lambda p: BestCheckpointRequest.build(p, metric, mode, scope))
    records = load_trials(request.path, request.metric, ("training_iteration",), warn)
    found = best_checkpoint_of_trials(records, request.metric, request.mode, request.scope)
    if remote_storage.is_remote(request.path):  # the checkpoint's own place, not its marker in the mirror
        return dataclasses.replace(found, path=remote_storage.to_uri(Path(found.path), str(request.path)))
    return found


def trial_table(path: str | Path, query: TableQuery | None = None, warn: Notice = _ignore) -> Table:
    """The ``analyze trials`` table of an experiment dir: a row per trial (status, searched
    hyperparameters, iterations, env steps, best/last metric, time), as ``query`` sorts, filters
    and cuts it (default: every trial by the return).

    Example::

        from rlcli.core.analysis.table import TableQuery
        table = rlcli.trial_table("~/ray_results/my-exp", TableQuery(sort_by="best", limit=3))
        print(table.names, table.rows)
    """
    from rlcli.core.analysis.table import TableQuery
    from rlcli.core.analysis.table import trial_table as table
    from rlcli.core.analysis.trials import BASE_COLUMNS

    query = query or TableQuery()
    records = load_trials(path, query.metric, warn=warn)
    return table(records, query, lambda extra: load_trials(path, query.metric, (*BASE_COLUMNS, *extra), warn))


def best_config(
    path: str | Path | BestConfigRequest,
    metric: str | None = None,
    mode: str = "max",
    fmt: str = "yaml",
    output: str | Path | None = None,
    warn: Notice = _ignore,
) -> BestConfig:
    """The best trial's config as a runnable ``rlcli train -f`` experiment file (its text in
    ``fmt``, ``yaml`` or ``json``), written atomically to ``output`` when given.

    Example::

        found = rlcli.best_config("~/ray_results/my-sweep", output="best.yaml")
        print(found.text)  # then: rlcli train -f best.yaml
    """
    from rlcli.core.analysis.best_config import best_config as answer
    from rlcli.core.analysis.requests import BestConfigRequest

    request = _request(path, BestConfigRequest, lambda p: BestConfigRequest.build(p, metric, mode, fmt, output))
    return answer(load_trials(request.path, request.metric, warn=warn), request)


def export_trials(
    path: str | Path | TrialExportRequest, output: str | Path | None = None, fmt: str = "csv"
) -> ExportedRows:
    """Every trial's result rows, flattened, to one CSV, Parquet or JSON-lines file ``output``
    (replaced atomically): a :class:`rlcli.core.analysis.requests.TrialExportRequest`, or the
    experiment dir, the file and its format.

    Example::

        written = rlcli.export_trials("~/ray_results/my-exp", "rows.parquet", fmt="parquet")
        print(written.rows, written.path)
    """
    from rlcli.core.analysis.export import export_rows
    from rlcli.core.analysis.requests import TrialExportRequest

    if isinstance(path, TrialExportRequest):
        if output is not None or fmt != "csv":
            raise TypeError("pass a TrialExportRequest or the keywords that build one, not both")
        return export_rows(path)
    if output is None:
        raise TypeError("export_trials() needs the file to write: output=FILE")
    return export_rows(TrialExportRequest.build(path, output, fmt))


def plot(
    paths: str | Path | tuple[str | Path, ...] | PlotRequest,
    metric: str | None = None,
    x_axis: str = "steps",
    smooth: int = 1,
    group: str = "auto",
    band: str = "ci",
    out: str | Path | None = None,
    warn: Notice = _ignore,
) -> Plot:
    """Learning curves of one or more experiments (``x_axis``: ``steps``, ``iterations`` or
    ``time``): a line per trial, or per config (``group``: the mean over its seeds, with its 95%
    bootstrap interval or ± std as ``band``), drawn to ``out`` (.png, .svg, .pdf) when given.

    Example::

        drawn = rlcli.plot(("~/ray_results/ppo", "~/ray_results/appo"), smooth=5, out="curves.png")
        print(drawn.out, [curve.label for curve in drawn.curves])
    """
    from rlcli.core.analysis.curves import group_by_experiment
    from rlcli.core.analysis.plots import learning_curves
    from rlcli.core.analysis.requests import PlotRequest

    def asked(target: Any) -> PlotRequest:
        return PlotRequest.build(target, metric, x_axis, smooth, group, band, out)

    request = _request(paths, PlotRequest, asked)
    return learning_curves(group_by_experiment(load_trials(request.paths, request.metric, warn=warn)), request)


def compare(
    paths: str | Path | tuple[str | Path, ...] | CompareRequest,
    metric: str | None = None,
    mode: str = "max",
    by: str = "experiment",
    threshold: float | None = None,
    budget: float | None = None,
    x_axis: str = "steps",
    smooth: int = 1,
    warn: Notice = _ignore,
) -> Table:
    """Experiments side by side (``by="config"``: each config over its seeds, with IQM, mean,
    their 95% stratified-bootstrap intervals and ``p_top_better``): best, final mean ± std across
    trials, and with ``threshold`` the median x at which trials first reached it.

    Example::

        table = rlcli.compare(("~/ray_results/ppo", "~/ray_results/appo"), threshold=450)
        print(table.names, table.rows)
    """
    from rlcli.core.analysis.curves import compare_rows, group_by_experiment
    from rlcli.core.analysis.requests import CompareRequest
    from rlcli.core.analysis.table import Table

    def asked(target: Any) -> CompareRequest:
        return CompareRequest.build(target, metric, mode, by, threshold, budget, x_axis, smooth)

    request = _request(paths, CompareRequest, asked)
    names, rows = compare_rows(
        group_by_experiment(load_trials(request.paths, request.metric, warn=warn)), request.options
    )
    return Table(names, rows)


def examples(query: ExamplesQuery | str | None = None) -> list[Example]:
    """The tuned examples that ship with rlcli (each a ``rlcli train -f`` file stating the target
    it reaches): those whose name, algorithm or env contains ``query`` (any case), or all.

    Example::

        for found in rlcli.examples("ppo"):
            print(found.name, found.env, found.target, found.path)
    """
    from rlcli.core.config.examples import ExamplesQuery, list_examples

    return list_examples(query if isinstance(query, ExamplesQuery) else ExamplesQuery(query))


def example(name: str) -> Example:
    """The tuned example ``name`` (``cartpole-ppo``, or ``ppo/cartpole-ppo``); an unknown name
    is a UsageError that names the closest ones.

    Example::

        found = rlcli.example("cartpole-ppo")
        (result,) = rlcli.train(files=(str(found.path),))
    """
    from rlcli.core.config.examples import find_example

    return find_example(name)
