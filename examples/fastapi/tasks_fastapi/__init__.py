"""The seed's FastAPI resource server on the project's contract (server/CONTRACT.md)."""
