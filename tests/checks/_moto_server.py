"""Run moto_server with the test extension installed: `python _moto_server.py PORT`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import moto_ext  # noqa: F401 - the SSM DescribeInstancePatchStates fake
from moto.server import main

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
