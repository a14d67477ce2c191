"""Being told: Prefect automations that notify a webhook when the nightly refresh is stale, fails,
or does not run at all (``mic2025 alerts --webhook URL``; run again to update them).

- ``mic2025: nightly refresh failed or stale`` (reactive): a run of the ``nightly-refresh``
  deployment enters a state named Failed, Crashed, TimedOut or **Stale** (flows/refresh.py names a
  run with stale sources "Stale", Completed or Failed). Prefect emits
  ``prefect.flow-run.<state name>`` for every state, so the state's name is what is matched.
- ``mic2025: nightly refresh did not complete`` (proactive): no run of that deployment reached
  Completed (or Completed "Stale") within ``missing_after_hours`` (default 26: a nightly run
  plus two hours). This covers a stopped worker, a paused schedule, a run stuck in Pending.

Both send a notification through one ``CustomWebhookNotificationBlock`` named
``mic2025-alerts`` (a JSON POST: subject and body), which Slack, Teams, ntfy or any HTTP endpoint
can receive; Prefect's other notification blocks can replace it in the UI.
"""

from __future__ import annotations

from datetime import timedelta

from prefect.automations import Automation, EventTrigger, Posture, SendNotification
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client

BLOCK_NAME = "mic2025-alerts"
FAILED_OR_STALE = "mic2025: nightly refresh failed or stale"
DID_NOT_COMPLETE = "mic2025: nightly refresh did not complete"
BAD_STATES = ["Failed", "Crashed", "TimedOut", "Stale"]

RUN_BODY = (
    "Flow run {{ flow_run.name }} of {{ deployment.name }} ended {{ flow_run.state.type.value }} "
    "({{ flow_run.state.name }}): {{ flow_run.state.message }}"
)


def _deployment_id(deployment: str) -> str:
    with get_client(sync_client=True) as client:
        return str(client.read_deployment_by_name(deployment).id)


def setup_alerts(
    webhook_url: str,
    *,
    deployment: str = "mic2025-refresh/nightly-refresh",
    missing_after_hours: float = 26.0,
    allow_private_url: bool = False,
) -> dict[str, str]:
    """Create or replace the webhook block and the two automations; returns name -> id."""
    block = CustomWebhookNotificationBlock(
        name=BLOCK_NAME,
        url=webhook_url,
        method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
        allow_private_urls=allow_private_url,
    )
    block_id = block.save(BLOCK_NAME, overwrite=True)
    related = {"prefect.resource.id": f"prefect.deployment.{_deployment_id(deployment)}"}
    wanted = [
        Automation(
            name=FAILED_OR_STALE,
            description="A nightly refresh ended Failed, Crashed, TimedOut or Stale",
            trigger=EventTrigger(
                posture=Posture.Reactive,
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related=related,
                expect={f"prefect.flow-run.{name}" for name in BAD_STATES},
                threshold=1,
                within=timedelta(0),
            ),
            actions=[
                SendNotification(
                    block_document_id=block_id,
                    subject="MIC2025 nightly refresh: {{ flow_run.state.name }}",
                    body=RUN_BODY,
                )
            ],
        ),
        Automation(
            name=DID_NOT_COMPLETE,
            description=f"No nightly refresh completed within {missing_after_hours:g} hours",
            trigger=EventTrigger(
                posture=Posture.Proactive,
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related=related,
                expect={"prefect.flow-run.Completed", "prefect.flow-run.Stale"},
                threshold=1,
                within=timedelta(hours=missing_after_hours),
            ),
            actions=[
                SendNotification(
                    block_document_id=block_id,
                    subject="MIC2025 nightly refresh did not complete",
                    body=f"No run of {deployment} completed in the last "
                    f"{missing_after_hours:g} hours: is the worker running and the schedule "
                    "active?",
                )
            ],
        ),
    ]
    created = {}
    with get_client(sync_client=True) as client:
        for automation in wanted:
            for old in client.read_automations_by_name(name=automation.name):
                client.delete_automation(old.id)  # run again: replaced, never duplicated
            created[automation.name] = str(automation.create().id)
    return created
