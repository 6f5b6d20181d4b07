"""The garbage collector of a long-running service: what start-up built is never scanned again.

A service's heap after start-up (modules, routes, mappers, litellm's tables) is hundreds of
thousands of objects that live as long as the process, and every full collection walked all of
them. In the gateway those pauses were the whole run's p99 at 10 clients: 176 ms, and 55 ms once
frozen (``bench/README.md``, sixth session).
"""

from __future__ import annotations

import gc

__all__ = ["freeze_startup", "THRESHOLDS"]

#: A young collection every 20,000 new container objects rather than 700: one request allocates
#: thousands, so the default collected several times per request, and each young collection
#: that reached the older generations walked them too.
THRESHOLDS = (20_000, 20, 50)


def freeze_startup() -> None:
    """Collect what start-up left behind, exempt the survivors from every later collection
    (``gc.freeze``), and collect less often. Call it once the service is ready; again after a
    late import (the agent's litellm) freezes that too. Frozen objects are still freed when
    their last reference goes; only a reference cycle among them would outlive the process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
