"""The settings issue 14 added: who may run checks, exceptions, scan limits."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.config_report import build_report
from bot.errors import ConfigError


def test_check_users_allow_and_scan_limits_are_read() -> None:
    settings = load_settings({"DEMARC_CHECK_USERS": "U0123ABC, S0SEC", "DEMARC_CHECK_ALLOW": "Guests,shared-channels",
                              "DEMARC_SCAN_CONCURRENCY": "3", "DEMARC_SCAN_COOLDOWN": "0"})
    assert settings.check_users == {"U0123ABC", "S0SEC"}
    assert settings.check_allow == {"guests", "shared-channels"}
    assert (settings.scan_concurrency, settings.scan_cooldown) == (3, 0)
    defaults = load_settings({})
    assert not defaults.check_users and not defaults.check_allow
    assert (defaults.scan_concurrency, defaults.scan_cooldown) == (4, 30)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEMARC_CHECK_USERS", "alice"), ("DEMARC_CHECK_ALLOW", "everyone"), ("DEMARC_SCAN_CONCURRENCY", "0"),
     ("DEMARC_SCAN_COOLDOWN", "-1")],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
    report = build_report({name: value})
    assert any(name in p for p in report.problems) and report.values[name] == value
