#!/usr/bin/env python3
"""PyTorch's side of `mimic bench --pytorch PYTHON`: the same networks, inputs, batches
and threads as mimic's residual-network figures, timed the same way.

Each figure is a network's training step (SGD with momentum 0.9, cross-entropy,
synthetic images and labels) or its evaluation (`model.eval()` under
`torch.no_grad()`), run for at least SECONDS after a warm-up, in ROUNDS rounds; the
best round's samples per second is printed, as mimic keeps its best round. The
networks are scripts/torch_models.py's (RepDistiller's ResNet), with global average
pooling, which on 32x32 inputs is the class's own 8x8 average. One JSON object goes to
standard output.

Needs torch (a virtual environment outside the repository); not part of CI.

usage: torch_bench.py THREADS SECONDS ROUNDS FIGURE...
       where FIGURE is NETWORK:CxHxW:train:BATCH or NETWORK:CxHxW:eval:BATCH
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402


def timed(seconds, work, step):
    step()  # warm-up
    start = time.perf_counter()
    done = 0
    while True:
        step()
        done += work
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def measure(figure, seconds, rounds):
    network, shape, mode, batch = figure.split(":")
    channels, height, width = map(int, shape.split("x"))
    batch = int(batch)
    torch.manual_seed(1)
    model = torch_models.build(network, 10, in_channels=channels, side=height)
    if hasattr(model, "avgpool"):
        model.avgpool = nn.AdaptiveAvgPool2d(1)
    x = torch.rand(batch, channels, height, width)
    if mode == "train":
        y = torch.randint(0, 10, (batch,))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
        loss = nn.CrossEntropyLoss()
        model.train()

        def step():
            optimizer.zero_grad()
            loss(model(x), y).backward()
            optimizer.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    return max(timed(seconds, batch, step) for _ in range(rounds))


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__.strip().splitlines()[-2].strip())
    threads, seconds, rounds = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    rates = {figure: measure(figure, seconds, rounds) for figure in sys.argv[4:]}
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "samples_per_s": rates}))


if __name__ == "__main__":
    main()
