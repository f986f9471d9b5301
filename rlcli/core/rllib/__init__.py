"""RLlib itself: algorithm and env resolution, the config keys derived from RLlib's classes, the
user's own code named by import path, building and validating ``AlgorithmConfig``, named
connectors, multi-agent mapping, Atari, the rolling return. Imports the base and ``legacy``;
Ray is imported inside functions."""
