"""``python -m pc_numpy``: see ``pc_numpy.tools.cli``."""
import sys

from .tools.cli import main

sys.exit(main())
