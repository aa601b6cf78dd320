"""``python -m unroot`` runs the CLI."""

import sys

from unroot.cli import main

if __name__ == "__main__":
    sys.exit(main())
