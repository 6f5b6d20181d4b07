"""Riverflow contracts: event models, NATS subjects and streams, generated gRPC code.

Every service imports this package; no service imports another service.
"""
