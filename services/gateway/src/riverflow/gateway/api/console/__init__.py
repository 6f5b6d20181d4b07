"""Console API routers (console admin token)."""
