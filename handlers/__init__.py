"""Everything Slack-facing, kept thin: parse the payload, call `bot/`, render Block Kit.

- `cli`: the `demarc` console script (the core CLI plus `serve` and `posture --post`).
- `server`, `serve_command`: HTTP (waitress) and Socket Mode serving, `/healthz`.
- `app`, `listeners`, `commands`, `events`, `actions`, `home`, `common`, `deps`, `dedupe`:
  the Bolt app and its listeners.
- `aws_lambda`: the AWS Lambda entry points.
- `blockkit` (Slack's limits and primitives), `blocks` (answers), `posture` (the summary's
  blocks, posting, App Home, channel check), `slack_client` (the one WebClient factory),
  `modern_blocks` (tables and rich text), `feedback_blocks` and `feedback` (Right / Wrong),
  `metrics` (the counters on `/healthz`).

This package imports nothing at package level, so `demarc ask` (through `handlers.cli`)
never loads Slack.
"""
