"""What a dispute's page shows, worded for the viewer: each party's answer to the settlement."""

from portal.models import Dispute


def party_answers(dispute: Dispute, timeline: list[dict]) -> list[tuple]:
    """(party, its latest answer to the current settlement or None) for the two parties: read from the timeline
    (the audit log), each answer naming the parties it was given for; a fresh settlement clears them."""
    answers: dict[int, dict] = {}
    for event in timeline:
        if event["action"] == "resolve":
            answers = {}
        elif event["action"] in ("accept", "object"):
            for organisation_id in event["organisation_ids"]:
                answers[organisation_id] = event
    return [(party, answers.get(party.id)) for party in (dispute.claimant, dispute.respondent)]
