"""A2C (synchronous advantage actor-critic) and A3C (A2C fed by asynchronous env runners)."""
