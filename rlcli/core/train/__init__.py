"""Ray Tune experiments: preparing (resolve, validate, fit resources), starting Ray, running
the Tuner or ``--local-mode``'s one trial, progress callbacks and summaries. Imports everything
up to ``analysis``; never ``rollout``.

One job per module; inside the package a module imports only those before it here:

1. ``progress_sink`` (the :class:`ProgressSink` a run reports to, :class:`SilentProgress`),
   ``progress_rows`` (a result → the row shown), ``summary`` (results → the typed summary),
   ``sweeps`` (schedulers, searchers), ``tracking`` (W&B, MLflow), ``cluster``
   (``--ray-num-nodes``), ``local_state`` (the state file of a ``--local-mode`` experiment)
2. ``tune_callbacks``: Tune's hooks in the driver (progress, stop criteria, checkpoint index)
3. ``prepare``: every experiment resolved and validated without Ray; the trial config
4. ``ray_session``: Ray started (while preparing), joined or emulated, shut down; the signal guard
5. ``resume_target``: which experiment ``--resume`` continues; a new one never overwrites one
6. ``tune_run``: one experiment through Tune, the experiments of a request one after another
7. ``local_trial``: one trial driven in this process as Tune drives it
8. ``local_mode``: a whole ``train --local-mode``
9. ``dispatch``: a request to ``tune_run`` or ``local_mode``; ``plan`` (``--dry-run``). What
   ``rlcli.api`` calls.

``tests/unit/test_architecture.py`` fails on any import circle, function-level imports included.
"""
