"""An env module that, like Griddly's, calls Tune's ``register_env`` when imported, and refuses
to be imported anywhere but on the main thread or while ``ray.init`` is starting Ray (where the
import used to race it: "Perhaps you called ray.init twice by accident?")."""

from __future__ import annotations

import threading

from ray.tune.registry import register_env

from rlcli_userproj.envs import CountdownEnv

if threading.current_thread() is not threading.main_thread():
    raise RuntimeError("rlcli imported the user's env module off the main thread")

IMPORTS = []  # one entry per import, read by the test
IMPORTS.append(threading.current_thread().name)
register_env("userproj-main-thread", lambda config: CountdownEnv(config))


class MainThreadCountdown(CountdownEnv):
    """The env class the test names with ``module:Class``."""
