"""``python -m relocard.cli``: the same as the ``relocard`` command."""

from relocard.cli import main

main()
