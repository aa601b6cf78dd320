"""Temporary conformance command: ``python verdict_cmd.py --level L --version V`` < object.

Stands in for ``unroot check --format verdict -`` until the full ``check`` verb lands; both call
``unroot.cli.check_verdict``.
"""

from __future__ import annotations

import sys

from unroot.cli.check_verdict import main

if __name__ == "__main__":
    sys.exit(main())
