"""``python -m statelint``."""

import os
import sys

# ``python -m`` puts the working directory first on sys.path; in a scanned
# repository that would let its ``click.py`` or ``libcst.py`` shadow our
# dependencies and run.  statelint never runs scanned code, so drop it.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from statelint.replay import main  # noqa: E402

main()
