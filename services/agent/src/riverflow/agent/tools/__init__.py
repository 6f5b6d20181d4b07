"""Tool providers: built-ins, OpenAPI 3 operations, MCP servers; and the registry that finds them."""
