"""Putting a trained policy to work outside training: exporting its greedy policy to one
self-contained file (ONNX, TorchScript), with the connectors' deterministic work (the
observation filter, argmax, unsquash/clip) inside; and serving it over HTTP on Ray Serve
(its ServeRequest checked without Ray). Imports everything up to ``rollout`` (its
fast-path policy is the reference every export is checked against); never ``train``."""
