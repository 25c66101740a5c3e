#!/usr/bin/env python3
"""Run the benchmark from a fresh clone: `python3 bench/run.py [--help]`.

Sets up ./.venv like `python3 dev.py` does, then runs `python -m bench` inside it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import dev

    dev.setup()
    os.chdir(ROOT)
    os.execv(str(dev.PY), [str(dev.PY), "-m", "bench", *sys.argv[1:]])  # noqa: S606
