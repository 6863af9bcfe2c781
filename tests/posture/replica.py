"""One replica posting the summary: `python -m tests.posture.replica STATE SLACK_URL START`.

Waits until the wall-clock START so several replicas reach the claim together, posts with
a fake scan, and prints the outcome as JSON on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace

from bot.clock import FixedClock
from bot.config import Secret
from handlers.posture import post_posture
from handlers.slack_client import build_client as make_client
from tests.posture.helpers import CHANNEL, DAY2, report, scan_of, settings


def main() -> None:
    state, slack_url, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    cfg = replace(settings(state), slack_bot_token=Secret("xoxb-test"), slack_api_url=slack_url)
    scan = scan_of(report({"open-ports": [("sg-1", "us-east-1")], "s3-public-access": [("logs", "global")]}))
    time.sleep(max(0.0, start - time.time()))
    outcome = post_posture(make_client(cfg), CHANNEL, cfg, scan=scan, clock=FixedClock(DAY2))
    print(json.dumps({"status": outcome.status, "reason": outcome.reason, "ts": outcome.ts}))


if __name__ == "__main__":
    main()
