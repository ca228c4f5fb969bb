"""``python -m pc_numpy``: see ``pc_numpy.tools.cli``."""
import sys

from .tools.blas import one_blas_thread
from .tools.cli import main

one_blas_thread()            # a setting of this process: no BLAS threads spinning against each other
sys.exit(main())
