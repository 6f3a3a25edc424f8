"""`python3 -m hetsched COMMAND ...`: see hetsched.cli."""

import sys

from hetsched.cli import main

if __name__ == "__main__":
    sys.exit(main())
