"""The citizen's steps of filing a petition, tracking one, consent and language, one module a sub-flow, each
registering its own steps into ``flow.STEPS``. Importing this package registers them all; what the
conversation engine and the other filing steps use is named here."""

from handlers.filing.steps import consent, identity, language, petition, start, summary, tracking
from handlers.filing.steps.consent import current_consent
from handlers.filing.steps.petition import attachment_problem
from handlers.filing.steps.start import begin_filing, choose_commune
from handlers.filing.steps.summary import cancel_draft
from handlers.filing.steps.tracking import show_case, show_my_cases

__all__ = [
    "attachment_problem",
    "begin_filing",
    "cancel_draft",
    "choose_commune",
    "consent",
    "current_consent",
    "identity",
    "language",
    "petition",
    "show_case",
    "show_my_cases",
    "start",
    "summary",
    "tracking",
]
