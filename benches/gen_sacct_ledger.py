#!/usr/bin/env python3
"""Writes a synthetic Slurm accounting ledger in `sacct --parsable2` form (the columns of
fixtures/slurm/sacct_h100_pretrain.psv) for the sharded-proving benchmark (benches/sharded.sh).

Shaped like a frontier run's per-allocation accounting: a pretraining campaign of long H100
allocations on many nodes, interrupted by failures and restarted (FAILED / NODE_FAIL / TIMEOUT
jobs followed by a new job), plus A100 evaluation jobs and H200 ablations, each allocation with
its batch/extern rows and one or two srun step rows. Deterministic (seeded).

usage: gen_sacct_ledger.py ALLOCATIONS OUT.psv
"""
import random
import sys
from datetime import datetime, timedelta

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261129)
    t = datetime(2026, 1, 5, 0, 0, 0)
    job = 5_000_000
    header = "JobID|JobName|Partition|AllocTRES|ElapsedRaw|Start|End|State|NNodes\n"
    kinds = [("h100", "pretrain-400b", 0.80), ("a100", "eval-suite", 0.12), ("h200", "ablation", 0.08)]
    with open(out, "w") as f:
        f.write(header)
        for _ in range(n):
            r = rng.random()
            acc = 0.0
            for part, name, share in kinds:
                acc += share
                if r < acc:
                    break
            if part == "h100":
                nodes = rng.choice([16, 32, 64, 128, 256])
                elapsed = rng.randint(600, 24 * 3600)
                state = rng.choices(["COMPLETED", "FAILED", "NODE_FAIL", "TIMEOUT"], [70, 12, 8, 10])[0]
            else:
                nodes = rng.choice([1, 1, 2, 4, 8])
                elapsed = rng.randint(60, 6 * 3600)
                state = rng.choices(["COMPLETED", "FAILED", "CANCELLED by 0"], [88, 7, 5])[0]
            gpus = nodes * 8
            tres = f"billing={gpus * 16},cpu={gpus * 16},gres/gpu:{part}={gpus},gres/gpu={gpus},mem={nodes * 2000}G,node={nodes}"
            start = t
            end = start + timedelta(seconds=elapsed)
            s, e = start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")
            f.write(f"{job}|{name}|{part}|{tres}|{elapsed}|{s}|{e}|{state}|{nodes}\n")
            f.write(f"{job}.batch|batch||{tres}|{elapsed}|{s}|{e}|{state}|1\n")
            step = max(1, elapsed - rng.randint(10, 120))
            f.write(f"{job}.0|torchrun||{tres}|{step}|{s}|{e}|{state}|{nodes}\n")
            job += 1
            # Allocations overlap: a campaign runs many at once.
            t += timedelta(seconds=rng.randint(1, 90))

if __name__ == "__main__":
    main()
