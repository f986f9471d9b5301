"""rlcli keeps a few facts about Ray 2.60 as static data (so it can answer without importing
RLlib); these tests hold that data to the installed Ray."""

from __future__ import annotations

import dataclasses

import pytest

from rlcli.core.legacy.translate import LEGACY_METRICS, MODEL_CONFIG_FIELDS
from rlcli.core.rllib.resolve import REGISTRY_NAMES, algorithm_names

pytestmark = pytest.mark.integration


def test_registry_names_match_ray():
    assert sorted(REGISTRY_NAMES) == sorted(algorithm_names())


def test_model_config_fields_match_default_model_config():
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    assert {f.name for f in dataclasses.fields(DefaultModelConfig)} == MODEL_CONFIG_FIELDS


def test_translated_metric_names_are_rllib_constants():
    from ray.rllib.core import ALL_MODULES
    from ray.rllib.utils import metrics as m

    known = {
        m.ENV_RUNNER_RESULTS,
        m.EVALUATION_RESULTS,
        m.NUM_ENV_STEPS_SAMPLED_LIFETIME,
        m.EPISODE_RETURN_MEAN,
        m.EPISODE_RETURN_MAX,
        m.EPISODE_RETURN_MIN,
        m.EPISODE_LEN_MEAN,
        m.NUM_EPISODES_LIFETIME,
        m.NUM_AGENT_STEPS_SAMPLED_LIFETIME,
        m.LEARNER_RESULTS,
        ALL_MODULES,
        m.NUM_ENV_STEPS_TRAINED_LIFETIME,
    }
    for new in LEGACY_METRICS.values():
        assert set(new.split("/")) <= known, new


def test_old_catalog_keys_are_the_old_model_defaults_the_new_stack_lacks():
    from ray.rllib.models.catalog import MODEL_DEFAULTS

    from rlcli.core.legacy import translate as legacy

    known = MODEL_CONFIG_FIELDS | set(legacy._MODEL_RENAMES) | set(legacy._MODEL_ATARI) | set(legacy._MODEL_OBSOLETE)
    assert legacy._MODEL_OLD_CATALOG | set(legacy._CUSTOM_MODEL_KEYS) == set(MODEL_DEFAULTS) - known


def test_the_special_keys_are_the_ones_update_from_dict_renames_or_routes():
    from ray.rllib.algorithms.ppo import PPOConfig

    from rlcli.core.rllib.config_keys import SPECIAL_KEYS

    config = PPOConfig()
    renamed = {k for k in SPECIAL_KEYS if config._translate_special_keys(k) != k}
    assert SPECIAL_KEYS - renamed == {"env", "multiagent"}  # both routed, not renamed
