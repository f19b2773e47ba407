"""``python -m arithnet``: the same as the ``arithnet`` command."""

from arithnet.cli import main

if __name__ == "__main__":
    main()
