"""``--ray-num-nodes N``: a Ray cluster of N nodes on this machine, through Ray's own
``ray.cluster_utils.Cluster`` (what the old ``rllib train --ray-num-nodes`` used). Each node gets
``--ray-num-cpus`` CPUs (default 1), ``--ray-num-gpus`` GPUs and ``--ray-object-store-memory``, as
before, so placement across nodes can be tried without a real cluster. The cluster is started
once per process and stopped with :func:`shutdown_cluster` (never ``ray stop``, which would also
kill any other Ray the user has running)."""

from __future__ import annotations

from typing import Any

from rlcli.core.spec import RayOptions

_cluster: Any = None


def start_cluster(options: RayOptions) -> str:
    """Start the emulated nodes and return the address to ``ray.init`` against."""
    from ray.cluster_utils import Cluster

    global _cluster
    shutdown_cluster()
    node: dict[str, Any] = {"num_cpus": options.num_cpus or 1, "num_gpus": options.num_gpus or 0}
    if options.object_store_memory:
        node["object_store_memory"] = options.object_store_memory
    if options.dashboard:
        node["include_dashboard"] = True
    cluster = Cluster(initialize_head=True, head_node_args=node)
    _cluster = cluster
    for _ in range(max(0, (options.num_nodes or 1) - 1)):
        cluster.add_node(**{k: v for k, v in node.items() if k != "include_dashboard"})
    cluster.wait_for_nodes()
    return str(cluster.address)


def shutdown_cluster() -> None:
    """Stop the emulated nodes, if this process started any."""
    global _cluster
    if _cluster is not None:
        cluster, _cluster = _cluster, None
        cluster.shutdown()


def emulated_cluster_line() -> str:
    """What Ray itself reports of the emulated cluster (alive nodes and their CPUs)."""
    import ray

    alive = [node for node in ray.nodes() if node.get("Alive")]
    cpus = sorted(int(node.get("Resources", {}).get("CPU", 0)) for node in alive)
    return f"emulated cluster on this machine: {len(alive)} Ray nodes ({' + '.join(map(str, cpus))} CPUs)"
