#!/usr/bin/env python3
"""PyTorch's side of the training-step comparison: LeNet-300-100 (784-300-100-10, ReLU) on a
fixed synthetic batch, the step the cardinal trainer runs (zero_grad, forward, cross-entropy,
backward, SGD step with lr 0.1), timed in blocks of --steps steps. Prints one JSON document.
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=60)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: default)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10)
    )
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs = torch.rand(args.batch, 1, 28, 28)
    labels = torch.randint(0, 10, (args.batch,))

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()

    for _ in range(20):
        step()
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        seconds.append((time.perf_counter() - start) / args.steps)
    print(
        json.dumps(
            {
                "implementation": "pytorch",
                "torch_version": torch.__version__,
                "threads": torch.get_num_threads(),
                "batch": args.batch,
                "dense_step_seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
