"""The office at work: staff roles and guards, triage, routing to units, unit answers, confidentiality."""
