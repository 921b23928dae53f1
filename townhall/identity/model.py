"""The match model: a logistic regression over pair features, with published weights.

The weights were fitted on a labelled evaluation set (`townhall identity evalset`,
seed 1) with scripts/train_identity_model.py and checked on another (seed 2); the
fit is recorded in docs/identity-resolution.md. Rules on top of the model keep
resolution safe where a statistical model should not decide alone.
"""

from __future__ import annotations

import math

from townhall.identity.features import PairFeatures

# Order matches PairFeatures.vector().
WEIGHTS = [
    7.888,
    1.98,
    1.467,
    1.751,
    0.345,
    -0.133,
    6.459,
    1.204,
    1.653,
    -1.931,
    -0.664,
    -4.299,
    -0.824,
    2.589,
]
INTERCEPT = -3.859

AUTO_MERGE = 0.95
REVIEW = 0.60


def confidence(features: PairFeatures) -> float:
    """Probability that two members are one person, with the safety rules applied.

    - A shared usable email is the deterministic rule: near-certain, unless the two
      hold different accounts on one source with no email tying those accounts.
    - So is a profile link (one account links the other's profile, or both link the
      same personal site; features._profile_link): not a fitted weight — the labelled
      set had no links when the weights were fitted — but a rule, with the same
      exception. A link between clearly different names goes to review at most.
    - Names alone (no email, username or handle) never reach automatic merging, and a
      lone first name never counts.
    - Stated time zones hours apart keep a pair out of automatic merging unless an email
      or a profile link ties them. The labelled evaluation set states no time zones, so no weight was
      fitted: this is a rule, and it only ever sends a pair to review.
    - A name or identifier that two accounts on one source carry (two namesakes) keeps a
      pair out of automatic merging unless an email, a profile link, or an identifier no
      two accounts on one source share, ties them.
    """
    z = INTERCEPT + sum(w * x for w, x in zip(WEIGHTS, features.vector(), strict=True))
    p = 1.0 / (1.0 + math.exp(-z))
    if features.email and not features.source_conflict:
        p = max(p, 0.995)
    if features.profile_link and not features.source_conflict:
        p = max(p, 0.99)
    if features.link_name_conflict and not features.email:
        p = min(max(p, REVIEW), AUTO_MERGE - 0.01)
    if not features.strong_identifier and not features.name_exact:
        # Similar names or initials alone go to review at most; exact full names may
        # merge when the model is sure (rare names, no conflicting accounts).
        p = min(p, AUTO_MERGE - 0.01)
    if features.lone_first_name and not features.strong_identifier and not features.name_exact:
        p = min(p, REVIEW - 0.01)
    tied = features.email or features.profile_link
    if features.timezone_conflict and not tied:
        p = min(p, AUTO_MERGE - 0.01)
    specific_identifier = features.strong_identifier and not features.identifier_clash
    if (features.name_clash or features.identifier_clash) and not (tied or specific_identifier):
        # Two accounts on one source carry the name or identifier the pair shares, and
        # nothing more specific ties them: at least two people carry it, and it cannot
        # tell which of them this is.
        p = min(p, AUTO_MERGE - 0.01)
    return p
