"""``python -m pc_numpy``: see ``pc_numpy.tools.cli``."""
import sys

from .tools.allocator import keep_freed_memory, one_blas_thread
from .tools.cli import main

keep_freed_memory()          # settings of this process: repeated large arrays without page faults,
one_blas_thread()            # and no BLAS threads spinning against each other (tools/allocator.py)
sys.exit(main())
