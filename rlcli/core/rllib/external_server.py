"""RLlib 2.60's env runner server for external simulators, on the host rlcli was told.

RLlib's ``EnvRunnerServerForExternalInference`` always binds ``localhost``; this subclass binds
``env_config["host"]`` (127.0.0.1 unless ``--external-env HOST:PORT`` says otherwise), so a
simulator on another machine can connect when the user asks for it. Everything else, the RLlink
protocol, the port (``env_config["port"]`` + the env runner's index), training on the episodes
the client sends, is RLlib's. Imported only inside trials (it imports RLlib)."""

from __future__ import annotations

from typing import Any

from ray.rllib.env.external.env_runner_server_for_external_inference import EnvRunnerServerForExternalInference

#: The host bound when the config names none (as every rlcli server: this machine only).
DEFAULT_HOST = "127.0.0.1"


class ExternalEnvServer(EnvRunnerServerForExternalInference):
    def _recycle_sockets(self, sleep: float = 0.0) -> Any:
        # Called by RLlib's listener thread each time it (re)opens the socket, after __init__
        # set ``self.host = "localhost"``: the configured host replaces it before the bind.
        self.host = str(self.config.env_config.get("host", DEFAULT_HOST))
        return super()._recycle_sockets(sleep)
