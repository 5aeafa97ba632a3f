"""``python -m statelint``."""

from statelint.cli import main

main()
