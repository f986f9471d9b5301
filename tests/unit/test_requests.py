"""The typed requests every command builds (and the library calls take): each checked in one
place on construction, with the messages the command line prints; and the library face's rule
that a call takes a request or the keywords that build one, never both."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from crafted import make_trial

import rlcli
from rlcli import api
from rlcli.core.analysis.requests import BestCheckpointRequest, CompareRequest, PlotRequest, TrialExportRequest
from rlcli.core.config.examples import ExamplesQuery, all_examples, list_examples
from rlcli.core.deploy.serve_request import ServeRequest
from rlcli.core.errors import UsageError
from rlcli.core.rollout.request import LEGACY_STEPS, RolloutRequest
from rlcli.core.store.checkpoints import EVAL_METRIC


def _message(call) -> str:
    with pytest.raises(UsageError) as caught:
        call()
    return caught.value.message


def test_rollout_request_reads_its_mappings_and_keeps_none_for_not_given():
    request = RolloutRequest.build("exp", env_config='{"size": 3}', config={"explore": True}, out="steps.pkl")
    assert request.env_config == {"size": 3} and request.config == {"explore": True}
    assert request.out == Path("steps.pkl") and request.video_dir is None
    assert (request.episodes, request.steps, request.num_envs, request.explore) == (None, None, None, None)
    assert RolloutRequest.build("exp", metric="eval").selection.metric == EVAL_METRIC


@pytest.mark.parametrize(
    ("given", "expected"),
    [({}, (None, LEGACY_STEPS, 1)), ({"episodes": 4}, (4, None, 1)), ({"steps": 50, "num_envs": 3}, (None, 50, 3))],
)
def test_the_old_tools_defaults_under_the_name_rllib(given, expected):
    request = RolloutRequest.build("ckpt", legacy_defaults=True, **given)
    assert (request.episodes, request.steps, request.num_envs) == expected
    assert RolloutRequest.build("ckpt", **given).num_envs == given.get("num_envs")  # not as rlcli


ROLLOUT_ERRORS = [
    ({"use_shelve": True}, "--use-shelve needs --out FILE (the file it shapes)."),
    ({"out": "steps.parquet", "save_info": True}, "--out 'steps.parquet': --save-info/--use-shelve/--track-progress"),
    ({"config": "[1, 2]"}, "--config must be a mapping"),
    ({"env_config": ["a"]}, "--env-config must be a mapping"),
    ({"episodes": 0}, "--episodes must be a whole number >= 1"),
    ({"num_envs": True}, "--num-envs must be a whole number >= 1"),
    ({"engine": "turbo"}, "--engine 'turbo' is not one of auto, fast, rllib."),
    ({"which": "worst"}, "--which 'worst' is not one of best, last."),
    ({"mode": "sideways"}, "--mode 'sideways' is not one of max, min."),
]


@pytest.mark.parametrize(("given", "needle"), ROLLOUT_ERRORS, ids=[e[1][:30] for e in ROLLOUT_ERRORS])
def test_a_bad_rollout_request_is_refused_when_built(given, needle):
    assert needle in _message(lambda: RolloutRequest.build("exp", **given))


SERVE_ERRORS = [
    ({"port": 0}, "--port must be a port number 1-65535, got 0."),
    ({"port": "80"}, "--port must be a port number"),
    ({"num_replicas": 0}, "--num-replicas must be a whole number >= 1"),
    ({"max_batch_size": 1.5}, "--max-batch-size must be a whole number >= 1"),
    ({"batch_wait_ms": -1}, "--batch-wait-ms must be >= 0"),
    ({"batch_wait_ms": float("nan")}, "--batch-wait-ms must be >= 0"),
    ({"host": ""}, "--host is empty."),
    ({"mode": "up"}, "--mode 'up'"),
]


@pytest.mark.parametrize(("given", "needle"), SERVE_ERRORS, ids=[e[1][:30] for e in SERVE_ERRORS])
def test_a_bad_serve_request_is_refused_without_a_server(given, needle):
    assert needle in _message(lambda: ServeRequest.build("exp", **given))


def test_a_serve_request_as_built():
    request = ServeRequest.build("exp", host="0.0.0.0", port=9000, max_batch_size=1, batch_wait_ms=0, which="last")
    assert (request.host, request.port, request.max_batch_size, request.batch_wait_ms) == ("0.0.0.0", 9000, 1, 0)
    assert request.selection.which == "last" and request.num_replicas == 1


ANALYZE_ERRORS = [
    (lambda: BestCheckpointRequest.build("exp", scope="avg-last-0"), "--scope 'avg-last-0' is not one of"),
    (lambda: BestCheckpointRequest.build("exp", mode="best"), "--mode 'best'"),
    (lambda: PlotRequest.build("exp", out="curves.bmp"), "--out 'curves.bmp': unknown image type '.bmp'."),
    (lambda: PlotRequest.build("exp", x_axis="episodes"), "--x 'episodes' is not one of steps, iterations, time."),
    (lambda: PlotRequest.build((), metric="x"), "No experiment dir given."),
    (lambda: PlotRequest.build("exp", smooth=0), "--smooth must be a whole number >= 1"),
    (lambda: CompareRequest.build("exp", by="seed"), "--by 'seed' is not one of experiment, config."),
    (lambda: CompareRequest.build("exp", budget=-1.0), "--budget must be >= 0"),
    (
        lambda: TrialExportRequest.build("exp", "rows.xml", fmt="xml"),
        "--format 'xml' is not one of csv, parquet, json.",
    ),
    (lambda: rlcli.TableQuery(filters=("best ~ 3",)), "--filter 'best ~ 3' is not 'COLUMN OP NUMBER'."),
    (lambda: rlcli.TableQuery(limit=0), "--limit must be a whole number >= 1"),
]


@pytest.mark.parametrize(("build", "needle"), ANALYZE_ERRORS, ids=[e[1][:30] for e in ANALYZE_ERRORS])
def test_a_bad_analyze_request_is_refused_before_any_trial_is_read(build, needle):
    assert needle in _message(build)


def test_analyze_requests_read_their_paths_and_metric():
    assert PlotRequest.build("one").paths == ("one",)
    assert CompareRequest.build(["a", "b"], metric="eval").paths == ("a", "b")
    assert CompareRequest.build("a", metric="eval").options.metric == EVAL_METRIC


def test_examples_query_filters_in_the_core():
    every = all_examples()
    assert list_examples(ExamplesQuery()) == every
    wanted = list_examples(ExamplesQuery("pendulum"))
    assert wanted and all("pendulum" in f"{e.name} {e.env}".lower() for e in wanted)
    assert [e.name for e in api.examples("PENDULUM")] == [e.name for e in wanted]
    assert "--filter must be text" in _message(lambda: ExamplesQuery(3))  # type: ignore[arg-type]


def test_a_request_and_keywords_together_are_refused(tmp_path):
    make_trial(tmp_path / "exp", "t", [1.0, 2.0], {2: "checkpoint_000000"})
    request = BestCheckpointRequest.build(tmp_path / "exp")
    assert api.best_checkpoint(request).path == api.best_checkpoint(tmp_path / "exp").path
    with pytest.raises(TypeError, match="pass a BestCheckpointRequest or the keywords"):
        api.best_checkpoint(request, mode="min")
    with pytest.raises(TypeError, match="pass a RolloutRequest"):
        api.rollout(RolloutRequest.build(tmp_path / "exp"), episodes=3)
    with pytest.raises(TypeError, match="pass a PlotRequest"):
        api.plot(PlotRequest.build(tmp_path / "exp"), smooth=3)


def test_the_request_types_load_when_named_and_are_exported():
    assert rlcli.RolloutRequest is RolloutRequest and rlcli.ServeRequest is ServeRequest
    assert all(hasattr(rlcli, name) for name in rlcli.__all__)
    with pytest.raises(AttributeError):
        rlcli.NoSuchRequest  # noqa: B018


def test_every_public_call_has_one_runnable_example_of_itself():
    """Each function of ``rlcli.__all__`` documents one ``Example::`` block that parses as
    Python and calls the function by its library name (``rlcli.NAME``)."""
    for name in (n for n in rlcli.__all__ if n[0].islower()):
        doc = inspect.getdoc(getattr(api, name)) or ""
        assert doc.count("Example::") == 1, name
        code = inspect.cleandoc(doc.split("Example::", 1)[1])
        calls = {
            node.func.attr
            for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert name in calls, (name, code)


def test_train_keywords_are_exactly_the_fields_of_train_inputs():
    """``rlcli.train(run=..., env=...)`` is typed by ``TrainFields``; it may not drift from
    ``TrainInputs``, which the keywords become."""
    from dataclasses import fields

    from rlcli.core.config.experiments import TrainInputs

    keywords = {name: getattr(kind, "__forward_arg__", kind) for name, kind in api.TrainFields.__annotations__.items()}
    assert keywords == {f.name: f.type for f in fields(TrainInputs)}
