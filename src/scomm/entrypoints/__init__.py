"""Ways in: the command line (Typer), later the API, the web pages and the worker."""
