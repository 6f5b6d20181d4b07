"""Versioned event models carried on the bus."""
