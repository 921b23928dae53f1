"""Fit the identity match model's weights on a generated, labelled evaluation set.

    .venv/bin/python scripts/train_identity_model.py [--sets 3000:1,40000:3] [--check 3000:2,40000:4]

Prints the weights and intercept to paste into townhall/identity/model.py, and how
the fitted model is calibrated on independent sets (other seeds). Uses scikit-learn's
LogisticRegression; the product itself only needs the numbers.
"""

from __future__ import annotations

import argparse
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
django.setup()

from sklearn.linear_model import LogisticRegression  # noqa: E402

from townhall.identity.evalset import account_facts, generate  # noqa: E402
from townhall.identity.features import BlockIndex, pair_features  # noqa: E402
from townhall.identity.profiles import build_profiles  # noqa: E402


def labelled_pairs(people: int, seed: int) -> tuple[list[list[float]], list[int]]:
    evalset = generate(people, seed)
    accounts = account_facts(evalset)
    truth = {a.member_id: evalset.truth[(a.source, a.external_id)] for a in accounts.values()}
    profiles = build_profiles(list(accounts.values()))
    index = BlockIndex(profiles)
    x, y = [], []
    for a, b in index.pairs():
        x.append(pair_features(profiles[a], profiles[b], index).vector())
        y.append(int(truth[a] == truth[b]))
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--sets",
        default="3000:1",
        help="generated sets to fit on, as PEOPLE:SEED,… (e.g. 3000:1,40000:3 to fit a small "
        "and a large community together)",
    )
    parser.add_argument("--check", default="3000:2", help="independent sets to check on")
    args = parser.parse_args()
    x: list[list[float]] = []
    y: list[int] = []
    for people, seed in _sets(args.sets):
        xs, ys = labelled_pairs(people, seed)
        x += xs
        y += ys
    model = LogisticRegression(C=1.0, max_iter=5000, class_weight=None)
    model.fit(x, y)
    weights = [round(float(w), 3) for w in model.coef_[0]]
    print(f"pairs={len(y)} positives={sum(y)}")
    print(f"WEIGHTS = {weights}")
    print(f"INTERCEPT = {round(float(model.intercept_[0]), 3)}")
    for people, seed in _sets(args.check):
        x2, y2 = labelled_pairs(people, seed)
        probabilities = model.predict_proba(x2)[:, 1]
        print(f"calibration on an independent set of {people} people, seed {seed}:")
        for low, high in [
            (0, 0.2),
            (0.2, 0.6),
            (0.6, 0.8),
            (0.8, 0.95),
            (0.95, 0.99),
            (0.99, 1.01),
        ]:
            band = [label for p, label in zip(probabilities, y2, strict=True) if low <= p < high]
            if band:
                print(
                    f"  {low:.2f}–{min(high, 1):.2f}: {len(band):7d} pairs, "
                    f"{sum(band) / len(band):.3f} true"
                )


def _sets(text: str) -> list[tuple[int, int]]:
    return [(int(p), int(s)) for p, s in (item.split(":") for item in text.split(","))]


if __name__ == "__main__":
    main()
