"""Pairwise precision, recall and F1 of a clustering against the truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class PairwiseScore:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


Item = TypeVar("Item", bound=Hashable)


def pairwise_score(
    predicted: Mapping[Item, Hashable], truth: Mapping[Item, Hashable]
) -> PairwiseScore:
    """Score items present in both mappings (item → cluster label)."""
    items = predicted.keys() & truth.keys()
    predicted_sizes = Counter(predicted[i] for i in items)
    truth_sizes = Counter(truth[i] for i in items)
    both = Counter((predicted[i], truth[i]) for i in items)
    correct = sum(_pairs(n) for n in both.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    true_pairs = sum(_pairs(n) for n in truth_sizes.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScore(precision, recall, f1, true_pairs, predicted_pairs, correct)


def baseline_clusters(
    identities: list[tuple[tuple[str, str], str, str]], *, use_names: bool
) -> dict[tuple[str, str], int]:
    """Clusters a naive rule would make: identities joined by exact email (and exact name).

    `identities` holds ((source, external_id), email, name). Names are compared
    lower-cased with their words sorted — the naive rule, with none of resolution's
    safeguards.
    """
    parent = list(range(len(identities)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for index, (_, email, name) in enumerate(identities):
        keys = [f"e:{email.strip().lower()}"] if email.strip() else []
        if use_names and name.strip():
            keys.append("n:" + " ".join(sorted(name.lower().split())))
        for key in keys:
            if key in first_with:
                parent[find(index)] = find(first_with[key])
            else:
                first_with[key] = index
    return {key: find(index) for index, (key, _, _) in enumerate(identities)}
