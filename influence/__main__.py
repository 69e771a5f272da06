"""``python -m influence``: the command-line interface."""

from influence.cli.main import main

if __name__ == "__main__":  # pragma: no cover
    main()
