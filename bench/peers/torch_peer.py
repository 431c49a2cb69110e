#!/usr/bin/env python3
"""PyTorch's side of the network comparisons, LeNet-300-100 (784-300-100-10, ReLU):

- the training step (default): on a fixed synthetic batch, the step the cardinal trainer runs
  (zero_grad, forward, cross-entropy, backward, SGD step with lr 0.1), timed in blocks of --steps
  steps;
- --level: a whole lottery-ticket level at Frankle & Carbin's setting, as `cardinal-bench-train
  level` runs it: Adam 1.2e-3, batch 60, --iterations steps over 55,000 MNIST-shaped images
  preloaded as tensors and reshuffled every epoch, and a validation pass over 5,000 held-out
  images (no autograd, batches of 1,000) every --evaluate-every steps and at both ends.

Prints one JSON document.
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
    parser.add_argument("--level", action="store_true", help="time a whole training level")
    parser.add_argument("--iterations", type=int, default=50000, help="--level: steps")
    parser.add_argument("--evaluate-every", type=int, default=100, help="--level: steps between evaluations")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.level:
        return level(args)

    model = lenet300()
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


def lenet300():
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10)
    )
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def level(args):
    torch.manual_seed(0)
    images = torch.rand(60000, 1, 28, 28)
    labels = torch.randint(0, 10, (60000,))
    held_out = torch.randperm(60000)[:5000]
    keep = torch.ones(60000, dtype=torch.bool)
    keep[held_out] = False
    train_x, train_y = images[keep], labels[keep]
    valid_x, valid_y = images[~keep], labels[~keep]
    model = lenet300()
    optimizer = torch.optim.Adam(model.parameters(), lr=1.2e-3)
    n = train_x.shape[0]
    per_epoch = (n + args.batch - 1) // args.batch
    generator = torch.Generator().manual_seed(1)

    def evaluate():
        model.eval()
        correct = 0
        with torch.no_grad():
            for begin in range(0, valid_x.shape[0], 1000):
                logits = model(valid_x[begin:begin + 1000])
                correct += int((logits.argmax(1) == valid_y[begin:begin + 1000]).sum())
        model.train()
        return correct / valid_x.shape[0]

    start = time.perf_counter()
    model.train()
    evaluations = 0
    order = None
    for t in range(args.iterations + 1):
        if t % args.evaluate_every == 0 or t == args.iterations:
            accuracy = evaluate()
            evaluations += 1
        if t == args.iterations:
            break
        if t % per_epoch == 0:
            order = torch.randperm(n, generator=generator)
        index = order[(t % per_epoch) * args.batch:(t % per_epoch + 1) * args.batch]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(train_x[index]), train_y[index])
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"implementation": "pytorch", "torch_version": torch.__version__,
                      "threads": torch.get_num_threads(), "iterations": args.iterations,
                      "batch": args.batch, "evaluations": evaluations, "level_seconds": seconds,
                      "final_validation_accuracy": accuracy}))


if __name__ == "__main__":
    main()
