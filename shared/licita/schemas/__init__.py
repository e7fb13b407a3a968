"""Pydantic request/response models: the API contract (also the OpenAPI components)."""
