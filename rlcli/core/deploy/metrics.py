"""What ``GET /metrics`` answers: ``rlcli serve``'s counters and histograms in Prometheus's text
exposition format (version 0.0.4), kept by the event loop's thread alone (no locks) and written
out here; no dependency (``prometheus_client`` is not installed by ``pip install rlcli``).

- ``rlcli_serve_requests_total{route, code}``: requests answered, by route and status;
- ``rlcli_serve_request_errors_total{route, code}``: those answered 4xx or 5xx;
- ``rlcli_serve_request_duration_seconds{route}``: from the request reaching the app to its answer;
- ``rlcli_serve_requests_in_flight``: requests read but not yet answered;
- ``rlcli_serve_batch_size``: requests per forward pass; ``rlcli_serve_forward_seconds``: its time.

Routes are the server's own (``/v1/actions``, ``/v1/policy``, ``/healthz``, ``/metrics``); any
other path counts as ``other``, so a scanner cannot grow the label set."""

from __future__ import annotations

import bisect
from collections import defaultdict

ROUTES = ("/v1/actions", "/v1/policy", "/healthz", "/metrics")
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Histogram:
    """Observations counted into cumulative buckets (``le``), with their sum and count."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last: above every bound (+Inf only)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sum += value
        self.count += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        sep = "," if labels else ""
        out, running = [], 0
        for bound, count in zip(self.buckets, self.counts, strict=False):
            running += count
            out.append(f'{name}_bucket{{{labels}{sep}le="{_number(bound)}"}} {running}')
        out.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.count}')
        braces = f"{{{labels}}}" if labels else ""
        out += [f"{name}_sum{braces} {_number(self.sum)}", f"{name}_count{braces} {self.count}"]
        return out


class ServeMetrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.latency: dict[str, Histogram] = {}
        self.in_flight = 0
        self.batch_size = Histogram(BATCH_BUCKETS)
        self.forward_seconds = Histogram(LATENCY_BUCKETS)

    def answered(self, path: str, status: int, seconds: float) -> None:
        route = path if path in ROUTES else "other"
        self.requests[(route, status)] += 1
        histogram = self.latency.get(route)
        if histogram is None:
            histogram = self.latency[route] = Histogram(LATENCY_BUCKETS)
        histogram.observe(seconds)

    def forward(self, batch_size: int, seconds: float) -> None:
        self.batch_size.observe(batch_size)
        self.forward_seconds.observe(seconds)

    def render(self) -> str:
        """The exposition text (``text/plain; version=0.0.4``)."""
        out = ["# HELP rlcli_serve_requests_total Requests answered, by route and status code."]
        out.append("# TYPE rlcli_serve_requests_total counter")
        for (route, code), n in sorted(self.requests.items()):
            out.append(f'rlcli_serve_requests_total{{route="{route}",code="{code}"}} {n}')
        out.append("# HELP rlcli_serve_request_errors_total Requests answered with a 4xx or 5xx status.")
        out.append("# TYPE rlcli_serve_request_errors_total counter")
        for (route, code), n in sorted(self.requests.items()):
            if code >= 400:
                out.append(f'rlcli_serve_request_errors_total{{route="{route}",code="{code}"}} {n}')
        out.append("# HELP rlcli_serve_request_duration_seconds Time from a request reaching the app to its answer.")
        out.append("# TYPE rlcli_serve_request_duration_seconds histogram")
        for route, histogram in sorted(self.latency.items()):
            out += histogram.lines("rlcli_serve_request_duration_seconds", f'route="{route}"')
        out.append("# HELP rlcli_serve_requests_in_flight Requests read and not yet answered.")
        out.append("# TYPE rlcli_serve_requests_in_flight gauge")
        out.append(f"rlcli_serve_requests_in_flight {self.in_flight}")
        out.append("# HELP rlcli_serve_batch_size Requests answered by one forward pass.")
        out.append("# TYPE rlcli_serve_batch_size histogram")
        out += self.batch_size.lines("rlcli_serve_batch_size")
        out.append("# HELP rlcli_serve_forward_seconds Time of one batched forward pass.")
        out.append("# TYPE rlcli_serve_forward_seconds histogram")
        out += self.forward_seconds.lines("rlcli_serve_forward_seconds")
        return "\n".join(out) + "\n"


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else f"{float(value):.1f}"
