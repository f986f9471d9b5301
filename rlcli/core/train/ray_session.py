"""The Ray a run trains on: started locally (while RLlib imports, or sized for offline data),
as an emulated cluster (:mod:`rlcli.core.train.cluster`) or joined at ``--ray-address``; shut
down at the end; and the guard that turns the first Ctrl-C/SIGTERM into a graceful stop.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rlcli.core import timings
from rlcli.core.config import offline_data
from rlcli.core.errors import RlcliError
from rlcli.core.quiet import silence_loggers
from rlcli.core.spec import ExperimentSpec, RayOptions
from rlcli.core.train.cluster import shutdown_cluster, start_cluster
from rlcli.core.train.prepare import PreparedExperiment, check_dashboard, prepare_all
from rlcli.core.train.progress_sink import Notice


def start_ray_and_prepare(
    specs: tuple[ExperimentSpec, ...], options: RayOptions, notice: Notice
) -> list[PreparedExperiment]:
    """Ray started the way the experiments need and the experiments prepared for it: local Ray
    while RLlib imports (:func:`prepare_while_ray_starts`); a cluster joined, then prepared for
    its resources; or, with offline data, prepared first and local Ray sized for Ray Data."""
    if can_prepare_while_ray_starts(specs, options):
        return prepare_while_ray_starts(specs, options)
    if options.joins_cluster:
        cpus, gpus = init_ray(options)
        return prepare_all(specs, options, cpus, gpus)
    prepared = prepare_all(specs, options)
    init_ray(offline_ray_options(options, prepared, notice))
    return prepared


def can_prepare_while_ray_starts(specs: tuple[ExperimentSpec, ...], options: RayOptions) -> bool:
    """True for a local Ray whose size does not depend on the prepared experiments (offline
    data sizes it for Ray Data, see :func:`offline_ray_options`)."""
    return not options.joins_cluster and not any(offline_data.is_offline(spec) for spec in specs)


def prepare_while_ray_starts(specs: tuple[ExperimentSpec, ...], options: RayOptions) -> list[PreparedExperiment]:
    """Start local Ray while RLlib, torch and gymnasium are imported, then prepare.

    Why: ``ray.init`` takes ~4 s, mostly waiting for its processes to come up, and importing
    RLlib and torch takes most of the ~4-5 s that preparing does; one after the other they were
    the first ~9 s of every run. Only library code runs in the background thread: the user's
    modules (envs, callbacks, RLModules, which may call ``register_env`` or even ``ray.init``
    when imported) are imported by :func:`prepare_all` on the main thread once Ray is up, never
    at the same time as ``ray.init``. ``ray.init`` stays on the main thread: Ray ties its
    processes' lives to the thread that started them (``PR_SET_PDEATHSIG``) and installs its
    SIGTERM handler there."""
    import ray  # noqa: F401  (first: with both threads importing, ray.init started ~1 s later)

    worker = threading.Thread(target=_import_libraries, args=(specs,), name="rlcli-imports", daemon=True)
    worker.start()
    try:
        init_ray(options)
    finally:
        worker.join()
    return prepare_all(specs, options)


def _import_libraries(specs: tuple[ExperimentSpec, ...]) -> None:
    """Import what preparing needs from Ray's own packages (never the user's): the registry's
    algorithm classes, torch and gymnasium. A failure here is left for :func:`prepare` to report."""
    try:
        import gymnasium  # noqa: F401
        import torch  # noqa: F401

        from rlcli.core.rllib.resolve import algorithm_names

        registry = algorithm_names()
        for spec in specs:
            if spec.algorithm in registry:
                registry[spec.algorithm]()
    except Exception:  # reported where it matters, on the main thread
        return


def offline_ray_options(options: RayOptions, prepared: list[PreparedExperiment], notice: Notice) -> RayOptions:
    """Give a local Ray enough logical CPUs for Ray Data when an experiment reads offline data
    (logical CPUs only: the processes share the real cores)."""
    if options.num_cpus is not None or options.joins_cluster or options.num_nodes:
        return options
    needed = [
        offline_data.cpus_needed(p.spec, p.request.get("CPU", 1)) for p in prepared if offline_data.is_offline(p.spec)
    ]
    cpus = os.cpu_count() or 1
    if not needed or max(needed) <= cpus:
        return options
    notice(
        f"offline data is read by Ray Data workers beside the trial: starting local Ray with {max(needed)} logical CPUs"
    )
    return dataclasses.replace(options, num_cpus=max(needed))


#: Seconds to wait for a TCP connection to --ray-address (Ray itself retries for minutes).
CONNECT_TIMEOUT_S = 5.0


def check_reachable(address: str) -> None:
    """Fail in seconds when nothing listens at ``host:port`` (``auto`` and bare names are left
    to Ray, which finds the cluster by itself)."""
    match = re.fullmatch(r"(?:ray://)?\[?([\w.:-]+?)\]?:(\d+)", address.strip())
    if not match:
        return
    host, port = match.group(1), int(match.group(2))
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise RlcliError(
            f"Could not reach a Ray cluster at '{address}': {exc.strerror or exc}.",
            "Check --ray-address (the head node's GCS address, e.g. 10.0.0.5:6379) and that the cluster is up.",
        ) from None


def init_ray(options: RayOptions) -> tuple[float, float]:
    """Start a fresh local Ray (default) or join ``--ray-address``; returns its CPUs and GPUs."""
    import ray

    kwargs: dict[str, Any] = {
        "log_to_driver": options.verbose,
        "logging_level": logging.INFO if options.verbose else logging.ERROR,
    }
    if options.runtime_env:
        kwargs["runtime_env"] = options.runtime_env
    check_dashboard(options)
    if options.joins_cluster:
        check_reachable(options.address or "")
    try:
        if options.joins_cluster:
            ray.init(address=options.address, **kwargs)
        elif options.num_nodes:
            ray.init(address=start_cluster(options), **kwargs)
        else:
            cpus = options.num_cpus if options.num_cpus is not None else os.cpu_count()
            timings.mark("ray_init_called")
            ray.init(
                address="local",
                num_cpus=cpus,
                num_gpus=options.num_gpus,
                object_store_memory=options.object_store_memory,
                include_dashboard=options.dashboard,
                **kwargs,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = options.address or "local"
        raise RlcliError(
            f"Could not start or join Ray at '{where}': {exc}", "Check --ray-address and that the cluster is up."
        ) from None
    silence_loggers(options.verbose)
    timings.mark("ray_started")
    resources = ray.cluster_resources()
    return float(resources.get("CPU", 0)), float(resources.get("GPU", 0))


def shutdown_ray() -> None:
    """Stop the Ray this process started or joined, and the emulated nodes if it started any."""
    import ray

    if ray.is_initialized():
        timings.mark("shutdown_called")
        ray.shutdown()
        timings.mark("ray_stopped")
    shutdown_cluster()


class SignalGuard:
    """First Ctrl-C/SIGTERM: ask Tune to stop gracefully (it saves its state). Second: force exit.

    Tune's own SIGINT handler is switched off (TUNE_DISABLE_SIGINT_HANDLER=1); rlcli forwards the
    request through SIGUSR1, which Tune always listens to while it runs."""

    def __init__(self, on_first: Callable[[int], None]) -> None:
        self.received: int | None = None
        self._on_first = on_first
        self._old: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received is not None:
            os._exit(130)
        self.received = signum
        self._on_first(signum)
        if signal.getsignal(signal.SIGUSR1) in (signal.SIG_DFL, None):
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGUSR1)

    @contextmanager
    def installed(self) -> Iterator[SignalGuard]:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)
        try:
            yield self
        finally:
            for number, old in self._old.items():
                signal.signal(number, old)
