"""Fit the identity match model's weights on a generated, labelled evaluation set.

    .venv/bin/python scripts/train_identity_model.py [--people 3000] [--seed 1]

Prints the weights and intercept to paste into townhall/identity/model.py, and how
the fitted model does on a second, independent set (seed + 1). Uses scikit-learn's
LogisticRegression; the product itself only needs the numbers.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
django.setup()

from sklearn.linear_model import LogisticRegression  # noqa: E402

from townhall.identity.evalset import account_facts, generate  # noqa: E402
from townhall.identity.features import candidate_pairs, pair_features  # noqa: E402
from townhall.identity.profiles import build_profiles  # noqa: E402


def labelled_pairs(people: int, seed: int) -> tuple[list[list[float]], list[int]]:
    evalset = generate(people, seed)
    accounts = account_facts(evalset)
    truth = {a.member_id: evalset.truth[(a.source, a.external_id)] for a in accounts.values()}
    profiles = build_profiles(list(accounts.values()))
    name_counts = Counter(n for p in profiles.values() for n in p.full_names)
    x, y = [], []
    for a, b in candidate_pairs(profiles):
        x.append(pair_features(profiles[a], profiles[b], name_counts).vector())
        y.append(int(truth[a] == truth[b]))
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    x, y = labelled_pairs(args.people, args.seed)
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight=None)
    model.fit(x, y)
    weights = [round(float(w), 3) for w in model.coef_[0]]
    print(f"pairs={len(y)} positives={sum(y)}")
    print(f"WEIGHTS = {weights}")
    print(f"INTERCEPT = {round(float(model.intercept_[0]), 3)}")
    x2, y2 = labelled_pairs(args.people, args.seed + 1)
    probabilities = model.predict_proba(x2)[:, 1]
    print("calibration on an independent set (predicted band → observed share of true matches):")
    for low, high in [(0, 0.2), (0.2, 0.6), (0.6, 0.8), (0.8, 0.95), (0.95, 0.99), (0.99, 1.01)]:
        band = [label for p, label in zip(probabilities, y2, strict=True) if low <= p < high]
        if band:
            print(
                f"  {low:.2f}–{min(high, 1):.2f}: {len(band):6d} pairs, {sum(band) / len(band):.3f} true"
            )


if __name__ == "__main__":
    main()
