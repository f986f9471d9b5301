"""Ray Tune experiments: preparing (resolve, validate, fit resources), starting Ray, running
the Tuner, progress callbacks and summaries. Imports everything up to ``analysis``; never
``rollout``."""
