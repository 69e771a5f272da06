"""The version of influence (a base module: any layer may import it)."""

__version__ = "0.1.0"
