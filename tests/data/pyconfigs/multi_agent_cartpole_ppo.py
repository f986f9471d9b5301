"""Two-policy PPO on RLlib's MultiAgentCartPole, in the shape of RLlib 2.60's multi-agent tuned
examples, with its own ``stop`` dict and experiment ``name``."""

from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
from ray.rllib.examples.envs.classes.multi_agent import MultiAgentCartPole
from ray.rllib.examples.utils import add_rllib_example_script_args

parser = add_rllib_example_script_args(default_iters=50)
parser.set_defaults(num_agents=2)
args = parser.parse_args()


def policy_for(agent_id, episode, **kwargs):
    return f"p{agent_id}"


config = (
    PPOConfig()
    .environment(MultiAgentCartPole, env_config={"num_agents": args.num_agents})
    .env_runners(num_env_runners=0)
    .training(train_batch_size_per_learner=200, minibatch_size=50, num_epochs=1)
    .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=[16]))
    .multi_agent(policies={"p0", "p1"}, policy_mapping_fn=policy_for)
)

stop = {"training_iteration": 2}
name = "ma-from-python"

if __name__ == "__main__":
    raise SystemExit("rlcli imports this file; it never runs it as a script")
