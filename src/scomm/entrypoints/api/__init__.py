"""The HTTP service: the API (FastAPI, OpenAPI at ``/openapi.json``) and the web pages."""
