"""The identity score: a logistic regression over :data:`~.features.FEATURES`.

Its coefficients, the operating threshold and the learned brand aliases live in
``identity_model.json`` beside this module, written by ``scripts/fit_identity.py``; a
link's evidence is each feature's value and weight, so a reader sees why two were linked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grocer.analysis.identity.features import FEATURES

MODEL_FILE = Path(__file__).with_name("identity_model.json")


@dataclass(frozen=True)
class IdentityModel:
    """Weights per feature, an intercept, the threshold a link needs, the brand aliases."""

    weights: Mapping[str, float]
    intercept: float
    threshold: float
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = set(FEATURES) - set(self.weights)
        if missing:
            raise ValueError(f"identity model lacks weights for {sorted(missing)}")

    @property
    def vector(self) -> np.ndarray:
        return np.array([self.weights[name] for name in FEATURES], dtype=np.float64)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """The log-odds that each row's pair is one product."""
        return features @ self.vector + self.intercept

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The probability that each row's pair is one product."""
        return probability(self.logits(features))

    def evidence(self, row: np.ndarray) -> str:
        """One pair's features and their weights, as the JSON kept with its link."""
        return json.dumps(
            {
                name: {"value": round(float(value), 4), "weight": round(self.weights[name], 4)}
                for name, value in zip(FEATURES, row.tolist(), strict=True)
            },
            sort_keys=True,
        )

    def as_json(self) -> str:
        """The model as ``identity_model.json`` holds it."""
        document = {
            "features": list(FEATURES),
            "weights": {name: round(self.weights[name], 6) for name in FEATURES},
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
            "aliases": dict(sorted(self.aliases.items())),
        }
        return json.dumps(document, indent=2) + "\n"


def probability(logits: np.ndarray) -> np.ndarray:
    """Log-odds as probabilities (the logistic function)."""
    return 1.0 / (1.0 + np.exp(-logits))


def load_model(path: Path = MODEL_FILE) -> IdentityModel:
    """The committed model (or another file written by ``scripts/fit_identity.py``)."""
    document = json.loads(path.read_text())
    return IdentityModel(
        weights=document["weights"],
        intercept=float(document["intercept"]),
        threshold=float(document["threshold"]),
        aliases=document.get("aliases", {}),
    )
