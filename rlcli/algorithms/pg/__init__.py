"""PG: REINFORCE with reward-to-go (and an optional learned baseline), on the new API stack."""
