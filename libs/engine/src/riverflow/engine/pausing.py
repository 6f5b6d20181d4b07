"""Human-input nodes: pause the run until a person submits the form, then resume on that branch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riverflow.contracts.events.v1 import HumanInputSubmitted
from riverflow.engine.nodes import NodeOutcome
from riverflow.engine.payloads import workflow_paused, workflow_started
from riverflow.engine.scopes import paused_key, pool_of, scope_of
from riverflow.engine.state import NodeRun
from riverflow.engine.templates import render_template
from riverflow.engine.variable_pool import MISSING, lookup

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Pausing", "TIMEOUT_ACTION"]

#: The action a form expiry submits (the node's ``timeout`` branch).
TIMEOUT_ACTION = "timeout"


class Pausing:
    """Pause / resume for ``StepCore`` (a mixin)."""

    def pause_node(self: StepCore, scope: str, run: NodeRun) -> None:
        """The node waits for a submission; the run pauses once nothing else is in flight."""
        run.status = "paused"
        self.state.paused[paused_key(scope, run.node_id)] = True

    def pause(self: StepCore) -> None:
        state = self.state
        state.status = "paused"
        reasons = [self._pause_reason(*key.split("|", 1)) for key in state.paused]
        self.emit("workflow_paused", workflow_paused(state, self.at, reasons))

    def _pause_reason(self: StepCore, scope: str, node_id: str) -> dict[str, Any]:
        graph = self.graph_of(scope)
        data = graph.node_data(node_id)
        pool = pool_of(self.state, scope)
        resolved: dict[str, Any] = {}
        for field in data.get("inputs") or []:
            placeholder = field.get("placeholder") or {}
            if placeholder.get("type") == "variable":
                value = lookup(pool, [str(s) for s in placeholder.get("selector") or []])
                if value is not MISSING:
                    resolved[str(field.get("output_variable_name"))] = value
        return {
            "type": "human_input_required",
            "node_id": node_id,
            "node_title": graph.title(node_id),
            # ``{{#$output.x#}}`` input markers are not variable references, so they stay as they are.
            "form_content": render_template(str(data.get("form_content") or ""), pool, markdown=True),
            "inputs": data.get("inputs") or [],
            "actions": data.get("user_actions") or [],
            "resolved_default_values": resolved,
            "timeout": data.get("timeout"),
            "timeout_unit": data.get("timeout_unit"),
        }

    def on_human_input(self: StepCore, event: HumanInputSubmitted) -> None:
        """Resume the paused node with the submitted fields; the chosen action is its branch."""
        state = self.state
        key = next((k for k in state.paused if k.split("|", 1)[1] == event.node_id), None)
        if key is None:
            return  # not waiting for this node (already answered, or never reached)
        scope = key.split("|", 1)[0]
        graph = self.graph_of(scope)
        data = graph.node_data(event.node_id)
        actions = {str(a.get("id")): a for a in data.get("user_actions") or [] if isinstance(a, dict)}
        if event.action_id not in actions and event.action_id != TIMEOUT_ACTION:
            return  # the gateway validates submissions; an unknown action changes nothing
        del state.paused[key]
        run = scope_of(state, scope).nodes[event.node_id]
        if state.status == "paused":
            state.status = "running"
            self.emit("workflow_started", workflow_started(state, reason="resumption"))
        declared = [
            str(f.get("output_variable_name")) for f in data.get("inputs") or [] if isinstance(f, dict)
        ]
        fields = {name: event.inputs.get(name) for name in declared} if declared else dict(event.inputs)
        self.emit(
            "human_input_form_filled",
            {
                "node_id": event.node_id,
                "node_title": graph.title(event.node_id),
                "action_id": event.action_id,
                "action_text": str(actions.get(event.action_id, {}).get("title") or event.action_id),
                "inputs": fields,
            },
        )
        run.status = "running"
        outputs = {**fields, "action_id": event.action_id, "__action_id": event.action_id}
        self.node_succeeded(scope, run, NodeOutcome(outputs=outputs, inputs=fields, handle=event.action_id))
        self.pump()
