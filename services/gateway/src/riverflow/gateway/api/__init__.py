"""HTTP routers: the Dify Service API (``/v1``) and the console API (``/console/api``)."""
