"""How often the default `arithnet train` recipe succeeds, seed by seed.

Runs the acceptance matrix of the training recipe (each expression on its
training range and one wider extrapolation range) over several seeds in one
process and prints, per expression, how many seeds ended exact on every range
with a formula symbolically equal to the target, and the wall time per run.

    python benchmarks/train_seeds.py --seeds 10
    python benchmarks/train_seeds.py --seeds 3 --only "a*b+c"

A run counts as a success only when every range is exact (round(prediction)
== truth, or relative error <= 1e-9 for division and roots) and the formula
read back is equivalent to the target. Restarts after NaN or a dead model are
part of the recipe and are reported.
"""

import argparse
import json
import statistics
import time

import arithnet  # noqa: F401  (selects JAX and 64-bit mode before keras)
from arithnet import data, training
from arithnet import expr as ex

# (expression, training range, extrapolation range)
MATRIX = (
    ("a+b", "0:500", "0:1000000"),
    ("a-b", "0:500", "0:1000000"),
    ("a*b", "0:500", "0:1000000"),
    ("a**2", "0:500", "0:1000000"),
    ("a/b", "1:500", "1:1000000"),
    ("sqrt(a)", "1:500", "1:1000000"),
    ("a*b+c", "0:100", "0:1000"),
    ("(a+b)*(a-b)", "0:100", "0:1000"),
    ("a*b*c", "0:100", "0:1000"),
    ("a*b+c", "-100:100", "-1000:1000"),
    ("(a+b)*(a-b)", "-100:100", "-1000:1000"),
    ("a*b*c", "-100:100", "-1000:1000"),
)


def run(text: str, train_range: str, far_range: str, seed: int) -> dict:
    names = ex.parse(text).inputs
    config = training.TrainConfig(
        expr=text,
        ranges=dict.fromkeys(names, data.parse_range(train_range)),
        extrapolate=(dict.fromkeys(names, data.parse_range(far_range)),),
        seed=seed,
    )
    started = time.perf_counter()
    try:
        result = training.train(config)
    except RuntimeError as error:
        return {"success": False, "error": str(error), "seconds": 0.0}
    return {
        "success": result.exact and result.formula_equivalent,
        "formula": result.formula,
        "restarts": len(result.restarts),
        "accuracy": [r.exact_accuracy for r in result.ranges],
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--only", help="run only this expression")
    parser.add_argument("--json", help="also write every run to this file")
    args = parser.parse_args()

    rows, runs = [], []
    for text, train_range, far_range in MATRIX:
        if args.only and text != args.only:
            continue
        outcomes = [run(text, train_range, far_range, s) for s in range(args.seeds)]
        runs += [
            {"expr": text, "range": train_range, "seed": s, **o}
            for s, o in enumerate(outcomes)
        ]
        wins = sum(o["success"] for o in outcomes)
        seconds = [o["seconds"] for o in outcomes]
        failed = [s for s, o in enumerate(outcomes) if not o["success"]]
        rows.append(
            f"| `{text}` | {train_range} | {far_range} | {wins}/{args.seeds} "
            f"| {statistics.median(seconds):.1f} | {max(seconds):.1f} "
            f"| {failed or '-'} |"
        )
    print(
        "| expression | train | extrapolate | exact seeds | median s | max s "
        "| failed seeds |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(runs, handle, indent=1)


if __name__ == "__main__":
    main()
