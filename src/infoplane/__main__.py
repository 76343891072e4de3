"""``python -m infoplane`` runs the command-line interface."""

from infoplane.cli import main

main()
