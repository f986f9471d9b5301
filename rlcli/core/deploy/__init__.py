"""Putting a trained policy to work outside training: exporting its greedy policy to one
self-contained file (ONNX, TorchScript), with the connectors' deterministic work (the
observation filter, argmax, unsquash/clip) inside; and serving it over HTTP (its ServeRequest
checked without Ray), by default in one process (an ASGI app on uvicorn, micro-batched, no Ray
cluster), or on Ray Serve for replicas. Imports everything up to ``rollout`` (its fast-path
policy is the reference every export is checked against, and what the servers run); never
``train``."""
