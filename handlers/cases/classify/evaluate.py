"""Measuring the classifier on petitions it was not trained on: k-fold cross-validation on a labelled file
(each fold trained on the shipped corpus plus the other folds), and a plain held-out test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.cases.classify import Classifier, Example


@dataclass(frozen=True)
class Accuracy:
    count: int
    kind_right: int
    field_right: int

    @property
    def kind(self) -> float:
        return self.kind_right / self.count if self.count else 0.0

    @property
    def field(self) -> float:
        return self.field_right / self.count if self.count else 0.0

    def __add__(self, other: Accuracy) -> Accuracy:
        return Accuracy(
            self.count + other.count, self.kind_right + other.kind_right, self.field_right + other.field_right
        )


def score(classifier: Classifier, examples: Sequence[Example]) -> Accuracy:
    kind = field = 0
    for example in examples:
        prediction = classifier.predict(example.text)
        kind += prediction.kind.value == example.kind
        field += prediction.field == example.field
    return Accuracy(len(examples), kind, field)


def cross_validate(base: Sequence[Example], labelled: Sequence[Example], folds: int = 4) -> Accuracy:
    """Every labelled petition is predicted by a model that never saw it."""
    total = Accuracy(0, 0, 0)
    for fold in range(folds):
        held = [example for index, example in enumerate(labelled) if index % folds == fold]
        rest = [example for index, example in enumerate(labelled) if index % folds != fold]
        if held:
            total = total + score(Classifier([*base, *rest]), held)
    return total


def held_out(base: Sequence[Example], unseen: Sequence[Example]) -> Accuracy:
    return score(Classifier(base), unseen)
