"""The cases core: a petition from submission to its answer — receipt, tracking, the legal period and its
decisions, the office's desk, cards, notices, casework, unit results, likely duplicates, the office's intake —
and the two kinds of turn (a citizen's conversation, a staff member's event) the features build on."""
