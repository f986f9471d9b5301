"""Training against an external simulator with RLlib 2.60's own server
(``ray.rllib.env.external``): each env runner listens on ``HOST:PORT + worker_index`` and speaks
the RLlink protocol; a simulator in another process (or machine) connects, receives the
RLModule's weights, plays episodes itself and sends them back for training.

``--external-env [HOST:]PORT`` sets the env runner class (RLlib's server, binding HOST, see
:mod:`rlcli.core.rllib.external_server`) and ``env_config.host``/``env_config.port``. The
server needs the spaces up front (it builds the RLModule before any client connects): rlcli
takes them from the experiment's ``--env``, made once in the driver and never stepped, unless
the config sets ``observation_space`` and ``action_space`` itself. One trial per server: a
second trial would find the port taken."""

from __future__ import annotations

from typing import Any

from rlcli.core.errors import UsageError
from rlcli.core.rllib.resolve import ResolvedEnv, env_creator
from rlcli.core.spec import ExperimentSpec

SERVER = "rlcli.core.rllib.external_server:ExternalEnvServer"
#: What the server binds without ``env_config.host``/``port``; RLlib adds the runner index to the port.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5555
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: The env_config keys that are the server's, not the env's.
SERVER_KEYS = ("host", "port")


def parse_address(value: str) -> tuple[str, int]:
    """``[HOST:]PORT`` → (host, port); a bad one is a usage error naming the form."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or DEFAULT_HOST
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(
            f"--external-env {value!r}: expected [HOST:]PORT with PORT in 1..65535.",
            "E.g. --external-env 5555 or --external-env 0.0.0.0:5555.",
        )
    return host, int(port)


#: Runs in every Ray worker process of an experiment that uses the server (see below).
SETUP_HOOK = "rlcli.core.rllib.external_env.use_rllink_encoding"


def use_rllink_encoding() -> None:
    """Patch ``msgpack`` with ``msgpack_numpy`` in this process, as RLlib's RLlink module does
    in the processes that import it.

    Why: that patch is global, and Ray serializes results and objects with ``msgpack`` too. In a
    patched process (the trial's, which runs the server) numpy scalars go into the msgpack
    stream as ``{b'nd', b'type', b'data'}`` dicts; an unpatched process (the driver, a remote
    learner) reads them back as such dicts, and Tune's JSON logger fails on their bytes keys.
    Every process of the experiment patched alike reads them back as numbers."""
    from ray.rllib.utils.checkpoints import try_import_msgpack

    try_import_msgpack(error=True)


def runtime_env_with_hook(runtime_env: dict[str, Any] | None) -> dict[str, Any]:
    """``runtime_env`` plus :data:`SETUP_HOOK` as its ``worker_process_setup_hook``."""
    env = dict(runtime_env or {})
    hook = env.get("worker_process_setup_hook")
    if hook not in (None, SETUP_HOOK):
        raise UsageError(
            f"--external-env needs Ray's worker_process_setup_hook, and the runtime env sets it to {hook!r}.",
            f"Drop worker_process_setup_hook from --runtime-env (or call {SETUP_HOOK} from your hook).",
        )
    env["worker_process_setup_hook"] = SETUP_HOOK
    return env


def is_external(config: dict[str, Any]) -> bool:
    value = config.get("env_runner_cls")
    name = str(value if isinstance(value, str) else getattr(value, "__name__", ""))
    return name.endswith(("EnvRunnerServerForExternalInference", "ExternalEnvServer"))


def played_locally(state: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A checkpoint's config ``state`` as a rollout needs it: when it was trained against an
    external simulator, RLlib's default env runner (the server would wait for a client) and the
    env config without the server's keys (the env would get ``host=``), plus a notice saying so."""
    if not is_external(state):
        return state, None
    env_config = {k: v for k, v in (state.get("env_config") or {}).items() if k not in SERVER_KEYS}
    notice = (
        f"the checkpoint was trained against an external simulator; rolled out on its env "
        f"({state.get('env')}) here (--env picks another)"
    )
    return {**state, "env_runner_cls": None, "env_config": env_config}, notice


def check_external(spec: ExperimentSpec, num_trials: int, num_env_runners: Any) -> str:
    """What an experiment against an external simulator needs, checked before Ray starts (an
    ``--env`` for the spaces, one trial), and the notice saying where the server listens."""
    if not spec.env_ids:
        raise UsageError(f"{spec.name}: --external-env needs --env for the spaces.", "Pass --env ENV.")
    if num_trials > 1:
        raise UsageError(
            f"{spec.name}: --external-env serves one trial ({num_trials} requested): each trial's server "
            "would listen on the same port.",
            "Run one trial per experiment (no grid, --num-samples 1), each with its own --external-env port.",
        )
    runners = num_env_runners if isinstance(num_env_runners, int) else 0
    host, port = spec.env_config.get("host", DEFAULT_HOST), int(spec.env_config.get("port", DEFAULT_PORT))
    where = f"{host}:{port}" if not runners else f"{host}:{port + 1}..{port + runners}"
    line = (
        f"external env: RLlib's env runner server listens on {where} (RLlink); connect the simulator "
        f"there. Spaces from {spec.env_ids[0]}, which is never stepped"
    )
    if host not in LOOPBACK:
        line += (
            f". {host} is reachable from other machines and RLlink has no authentication (it unpickles "
            "what clients send): bind it only on a network you trust"
        )
    return line


def with_external_spaces(config: dict[str, Any], env: ResolvedEnv, env_config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the spaces of ``env`` when an external simulator plays the episodes."""
    if not is_external(config) or ("observation_space" in config and "action_space" in config):
        return config
    import gymnasium as gym
    from ray.rllib.env.env_context import EnvContext

    kwargs = {k: v for k, v in env_config.items() if k not in SERVER_KEYS}  # the server's, not the env's
    context = EnvContext(kwargs, worker_index=0, num_workers=0, vector_index=0, remote=False)
    creator = env_creator(env)
    made = creator(context) if creator is not None else gym.make(env.name, **kwargs)
    try:
        return {**config, "observation_space": made.observation_space, "action_space": made.action_space}
    finally:
        made.close()
