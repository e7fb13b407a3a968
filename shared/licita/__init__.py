"""Licita: the shared application package every function imports (deployed as a Lambda layer)."""

__version__ = "0.1.0"
