"""Server-rendered pages over the same gate and read models as the API."""
