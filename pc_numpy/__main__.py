"""``python -m pc_numpy``: see ``pc_numpy.tools.cli``."""
import sys

from .tools.allocator import keep_freed_memory
from .tools.cli import main

keep_freed_memory()          # a setting of this process: repeated large arrays without page faults
sys.exit(main())
