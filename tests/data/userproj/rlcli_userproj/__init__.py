"""A user's own RLlib project, as rlcli's tests see one: envs, callbacks, an RLModule, a policy
mapping function and a connector, each named by import path on the command line."""
