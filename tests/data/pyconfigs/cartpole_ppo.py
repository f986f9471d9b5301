"""PPO on CartPole, written the way RLlib 2.60's own tuned examples are: ``args`` from
``add_rllib_example_script_args`` at import time, a module-level ``config`` from the builder API,
and a ``__main__`` block rlcli never runs."""

from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
from ray.rllib.examples.utils import add_rllib_example_script_args

parser = add_rllib_example_script_args(default_reward=450.0, default_timesteps=100_000, default_iters=2)
args = parser.parse_args()

config = (
    PPOConfig()
    .environment("CartPole-v1")
    .env_runners(num_env_runners=0, num_envs_per_env_runner=2)
    .training(lr=0.0003, train_batch_size_per_learner=200, minibatch_size=50, num_epochs=1)
    .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=[16], vf_share_layers=True))
)

if __name__ == "__main__":
    from ray.rllib.examples.utils import run_rllib_example_script_experiment

    run_rllib_example_script_experiment(config, args)
