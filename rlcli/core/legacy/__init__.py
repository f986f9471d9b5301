"""Old-API-stack terms → Ray 2.60: the table of legacy config keys, metric names and env ids, and
legacy offline inputs (old SampleBatch JSON). Pure Python; imports only the shared base."""
