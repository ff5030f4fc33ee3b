"""The package version: the one place it is written (pyproject.toml reads it from here).

A literal rather than importlib.metadata, which every start would pay for
(bench/README.md).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
