"""``python -m pc_numpy``: see ``pc_numpy.cli``."""
import sys

from .cli import main

sys.exit(main())
