"""One module per `demarc` sub-command; each exposes `register(subparsers)`.

Command modules import their heavy dependencies (boto3, slack_bolt) inside `run`, so that
building the parser for `demarc ask` stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Protocol

Runner = Callable[[argparse.Namespace], int]


class SubParsers(Protocol):
    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser: ...
