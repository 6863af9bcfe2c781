"""`python -m bot`: the core commands (ask, compare, check, posture, catalogue, config, demo)
when the console script is not on PATH. `demarc serve` and `posture --post` need the Slack
layer: `python -m handlers.cli`."""

from bot.cli import main

raise SystemExit(main())
