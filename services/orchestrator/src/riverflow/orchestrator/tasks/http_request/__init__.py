"""The http-request node: request assembly, the SSRF address guard, response handling."""
