"""What a dispute's page shows, worded for the viewer: each party's answer to the settlement."""

from portal.domain.disputes import answers_of
from portal.models import Dispute


def party_answers(dispute: Dispute) -> list[tuple]:
    """(party, its answer to the current settlement or None) for the two parties (the dispute domain's rule)."""
    answers = answers_of(dispute)
    shown = {
        party_id: {"action": event.action.removeprefix("dispute."), "at": event.at, "comment": event.comment}
        for party_id, event in answers.items()
    }
    return [(party, shown.get(party.id)) for party in (dispute.claimant, dispute.respondent)]
