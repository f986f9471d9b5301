"""DDPG on Ray 2.60's new API stack: config and algorithm (:mod:`.ddpg`), the deterministic
actor and Q critics (:mod:`.module`), losses and target updates (:mod:`.learner`), exploration
noise (:mod:`.noise`). Imports Ray and torch (only when the algorithm is resolved)."""
