"""Rules tests are plain pytest: no Django, no database. Make ``src/`` importable when the package is not
installed (the project's pytest config normally does this)."""

import sys
from pathlib import Path

_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))
