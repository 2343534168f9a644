#!/usr/bin/env python3
"""Regret of MABWiser's policies on the simulated Bernoulli arms of slotwise's regret table.

Runs every policy one decision at a time, as the slotwise service sees them: predict() picks
the arm, the simulated post succeeds with the arm's success rate, partial_fit() learns that one
outcome. Regret is pseudo-regret (best mean minus chosen mean, summed over decisions), as in
`crates/bandit/examples/regret.rs`, whose scenarios, horizon and seeds this script mirrors; the
random streams differ between the two languages, so runs match in distribution, not draw by draw.

MABWiser must be fitted before it predicts. It is fitted on no data, then its first decisions play
each arm once (their regret counts): MABWiser's UCB1 fitted on nothing never tries an arm it has not
seen and would stay on the first arm for the whole run.

Usage: mabwiser_regret.py [seeds] [horizon]   (defaults: 8 seeds, horizon 10000)
Prints markdown rows: | scenario | library | policy | regret mean | regret sd | decisions/s |
"""

import statistics
import sys
import time

import numpy as np
from mabwiser.mab import MAB, LearningPolicy


def scenarios(horizon):
    """Same arms as scenarios() in crates/bandit/examples/regret.rs: keep them in sync."""
    return [
        ("clear-3", [0.05, 0.10, 0.12], None),
        ("slots-10", [0.040, 0.045, 0.050, 0.055, 0.060, 0.065, 0.070, 0.075, 0.080, 0.090], None),
        ("shift-halfway", [0.12, 0.05, 0.10], (horizon // 2, [0.05, 0.12, 0.10])),
    ]


POLICIES = [
    ("random", LearningPolicy.Random),
    ("epsilon-greedy 0.1", lambda: LearningPolicy.EpsilonGreedy(epsilon=0.1)),
    ("ucb1 alpha 1", lambda: LearningPolicy.UCB1(alpha=1.0)),
    ("thompson", LearningPolicy.ThompsonSampling),
]


def simulate(make_policy, arm_means, change, horizon, seed):
    """Pseudo-regret of one run of `horizon` decisions."""
    arms = list(range(len(arm_means)))
    mab = MAB(arms, make_policy(), seed=seed)
    mab.fit(decisions=[], rewards=[])
    world = np.random.default_rng(seed)
    regret = 0.0
    for step in range(horizon):
        means = change[1] if change is not None and step >= change[0] else arm_means
        arm = step if step < len(arms) else mab.predict()
        reward = int(world.random() < means[arm])
        mab.partial_fit(decisions=[arm], rewards=[reward])
        regret += max(means) - means[arm]
    return regret


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    horizon = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    print("| scenario | library | policy | regret mean | regret sd | decisions/s |")
    print("|---|---|---|---:|---:|---:|")
    for name, arm_means, change in scenarios(horizon):
        for policy_name, make_policy in POLICIES:
            started = time.perf_counter()
            regrets = [simulate(make_policy, arm_means, change, horizon, seed) for seed in range(1, seeds + 1)]
            rate = seeds * horizon / (time.perf_counter() - started)
            sd = statistics.stdev(regrets) if len(regrets) > 1 else 0.0
            print(f"| {name} | mabwiser | {policy_name} | {statistics.mean(regrets):.1f} | {sd:.1f} | {rate:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
