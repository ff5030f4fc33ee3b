"""``python -m qarchive``: the same command line as the ``qarchive`` script."""

from qarchive.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
