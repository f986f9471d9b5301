"""Gymnasium ids that a package registers only when imported (PyBullet's locomotion envs):
resolved to a creator that imports the package in whichever process makes the env."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys

import pytest

from rlcli.core.errors import UsageError
from rlcli.core.rllib import resolve
from rlcli.core.rllib.resolve import env_creator, resolve_env


def test_a_bullet_id_resolves_to_a_creator_that_works_in_a_fresh_process():
    """The creator is pickled to a new interpreter (as Tune sends it to a trial actor), where
    nothing has imported pybullet_envs_gymnasium: it must still make HopperBulletEnv-v0."""
    resolved = resolve_env("HopperBulletEnv-v0")
    assert resolved.registering_package == "pybullet_envs_gymnasium"
    creator = env_creator(resolved)
    code = (
        "import pickle, sys; env = pickle.loads(sys.stdin.buffer.read())({}); "
        "obs, _ = env.reset(seed=0); print(env.unwrapped.spec.id, obs.shape, env.action_space.shape)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(creator), capture_output=True, timeout=120, check=True
    )
    assert proc.stdout.decode().splitlines()[-1] == "HopperBulletEnv-v0 (15,) (3,)"


def test_it_resolves_as_such_after_an_earlier_import_in_this_process():
    """A second experiment of the same file: gymnasium here knows the id already, a trial actor does not."""
    resolve_env("HalfCheetahBulletEnv-v0")
    assert resolve_env("HalfCheetahBulletEnv-v0").registering_package == "pybullet_envs_gymnasium"


def test_a_missing_package_is_one_error_naming_the_extra(monkeypatch):
    monkeypatch.setattr(
        resolve, "REGISTERING_PACKAGES", ((re.compile(r"\w+BulletEnv-v0"), "rlcli_no_such_package", "bullet"),)
    )
    with pytest.raises(UsageError) as exc:
        resolve_env("HopperBulletEnv-v0")
    assert "registered by rlcli_no_such_package, which is not installed" in str(exc.value)
    assert exc.value.hint == "pip install 'rlcli[bullet]'"


def test_an_id_the_package_does_not_register_stays_unknown():
    with pytest.raises(UsageError, match="Unknown env 'NoSuchBulletEnv-v0'"):
        resolve_env("NoSuchBulletEnv-v0")
