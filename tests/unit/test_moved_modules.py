"""Pickles written by an earlier rlcli (checkpoints, tuner.pkl) name its old flat module paths;
they still load after the core was grouped into domain packages."""

from __future__ import annotations

import pickle

from rlcli.core._moved import MOVED


def test_an_old_pickled_function_path_still_loads():
    from rlcli.core.rllib.rolling_return import add_rolling_return

    old = b"crlcli.core.rolling_return\nadd_rolling_return\n."  # protocol 0: a global by module path
    assert pickle.loads(old) is add_rolling_return


def test_an_old_pickled_class_path_still_loads():
    from rlcli.core.rllib.connectors import NamedConnectorFactory

    assert pickle.loads(b"crlcli.core.connectors\nNamedConnectorFactory\n.") is NamedConnectorFactory


def test_every_old_name_points_at_a_real_module():
    import importlib

    for old, new in MOVED.items():
        assert importlib.import_module(f"rlcli.core.{old}") is importlib.import_module(f"rlcli.core.{new}"), old
