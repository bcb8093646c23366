"""Which unit a case should go to: a keyword found in the content overrides the field's unit."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.kernel.text import fold_words
from models.commune import RoutingRule


def suggest_unit(rules: Sequence[RoutingRule], field_slug: str, content: str) -> int | None:
    padded = f" {fold_words(content)} "
    for rule in sorted(rules, key=lambda rule: rule.position):
        if rule.keyword and f" {fold_words(rule.keyword)} " in padded:
            return rule.unit_id
    for rule in sorted(rules, key=lambda rule: rule.position):
        if rule.keyword is None and rule.field_slug == field_slug:
            return rule.unit_id
    return None
