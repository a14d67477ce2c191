"""The alert automations, created against a real (temporary) Prefect API: two automations on the
nightly deployment and one webhook block; running the setup again replaces them."""

from datetime import timedelta

import pytest

from mic2025.flows.alerts import BLOCK_NAME, DID_NOT_COMPLETE, FAILED_OR_STALE, setup_alerts

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out


def test_alerts_watch_the_nightly_deployment_for_failed_stale_and_missing_runs(prefect_server):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.client.orchestration import get_client

    from mic2025.flows.refresh import deployments_for_serve

    for deployment in deployments_for_serve():
        deployment.apply()
    setup_alerts("http://127.0.0.1:9/first", allow_private_url=True)
    made = setup_alerts("http://127.0.0.1:9/hook", allow_private_url=True, missing_after_hours=30)

    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name("mic2025-refresh/nightly-refresh")
        automations = {a.name: a for a in client.read_automations() if a.name.startswith("mic")}
    assert sorted(automations) == sorted([DID_NOT_COMPLETE, FAILED_OR_STALE])  # replaced
    assert {name: str(a.id) for name, a in automations.items()} == made
    related = {"prefect.resource.id": f"prefect.deployment.{nightly.id}"}

    failed = automations[FAILED_OR_STALE]
    assert failed.trigger.posture == "Reactive" and failed.enabled
    assert failed.trigger.expect == {
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.TimedOut",
        "prefect.flow-run.Stale",  # flows/refresh.py names a run with stale sources "Stale"
    }
    assert failed.trigger.match_related.model_dump() == related

    missing = automations[DID_NOT_COMPLETE]
    assert missing.trigger.posture == "Proactive"
    assert missing.trigger.within == timedelta(hours=30)
    assert missing.trigger.expect == {"prefect.flow-run.Completed", "prefect.flow-run.Stale"}
    assert missing.trigger.match_related.model_dump() == related

    block = CustomWebhookNotificationBlock.load(BLOCK_NAME)
    assert str(block.url) == "http://127.0.0.1:9/hook" and block.method == "POST"
    block_ids = {str(a.actions[0].block_document_id) for a in automations.values()}
    assert len(block_ids) == 1
