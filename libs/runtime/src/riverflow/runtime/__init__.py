"""Riverflow runtime: settings bases, logging, telemetry, broker factory, streams, health."""
