"""``python -m pipeline`` is the ``cleancorpus`` command."""

from .cli import main

main()
