"""The algorithms RLlib removed, rebuilt on Ray 2.60's new API stack (AlgorithmConfig + Learner +
RLModule), one package each: ``rlcli/algorithms/<name>/``.

``PACK`` is the one list of them: registry name → the Algorithm class's import path.
``rlcli.core.rllib.resolve`` merges it with RLlib's own registry, so ``--run NAME``, ``run: NAME``,
rollout, analyze, serve, export and ``--restore`` treat them exactly like RLlib's algorithms.
Importing this package imports neither Ray nor torch (``rlcli --help`` and the dry-run's name
checks read ``PACK``); an algorithm's own package imports them when it is resolved.

Old names that run as another algorithm with some settings (APEX, SimpleQ, DDPPO, A3C's notice)
are config, not code: ``rlcli.algorithms.aliases.TRANSLATIONS``.
"""

from __future__ import annotations

#: Registry name → ``module:Class`` of the Algorithm. Spelled as the old RLlib registry spelled it.
PACK: dict[str, str] = {
    "A2C": "rlcli.algorithms.a2c.a2c:A2C",
    "A3C": "rlcli.algorithms.a2c.a2c:A3C",
    "PG": "rlcli.algorithms.pg.pg:PG",
    "DDPG": "rlcli.algorithms.ddpg.ddpg:DDPG",
    "TD3": "rlcli.algorithms.td3.td3:TD3",
}
