"""Make the shared image builders of tests/pipeline importable from the rule tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
