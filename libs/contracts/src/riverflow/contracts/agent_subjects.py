"""NATS request/reply subjects the agent service answers (core NATS, not JetStream).

- ``rf.v1.agent.suggest``: ``SuggestQuestionsRequest`` → ``SuggestQuestionsReply``
  (``riverflow.contracts.events.v1.suggestions``). Agent replicas share the queue group
  ``SUGGEST_QUEUE``, so each request is answered once. Nothing is queued: a request nobody answers
  times out at the caller, which then suggests nothing (Dify's behaviour when the model fails).
"""

from __future__ import annotations

__all__ = ["SUGGEST", "SUGGEST_QUEUE"]

SUGGEST = "rf.v1.agent.suggest"
SUGGEST_QUEUE = "agent-suggest"
