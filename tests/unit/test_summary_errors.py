"""An errored trial is named by its real exception, not by the bare wrapper RLlib re-raises."""

from __future__ import annotations

from rlcli.core.train.summary import _first_line

CHAINED = """Traceback (most recent call last):
  File "flaky_env.py", line 24, in step
RuntimeError: flaky env: simulated crash (once)

The above exception was the direct cause of the following exception:

ray::PPO.train() (pid=1, ip=1, actor_id=2)
  File "env_runner.py", line 291, in _try_env_step
RuntimeError"""


def test_the_last_exception_with_a_message_wins():
    assert _first_line(RuntimeError(CHAINED)) == "RuntimeError: flaky env: simulated crash (once)"


def test_plain_messages_and_empty_errors():
    assert _first_line(ValueError("bad value")) == "bad value"
    assert _first_line(KeyError()) == "KeyError"
    assert _first_line(RuntimeError("ray.exceptions.RayTaskError(ValueError): ValueError: x")).endswith("x")
