"""TD3 (Fujimoto et al. 2018): DDPG with twin critics, delayed actor (and target) updates and
target-policy smoothing, with the old RLlib TD3's defaults (:mod:`.td3`)."""
