"""Settings declared per app (rekisteri/core/conf.py) and the check that
warns about a setting no app declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from rekisteri.accounts.conf import setting as accounts_setting
from rekisteri.core import conf
from rekisteri.core.checks import undeclared_settings
from rekisteri.core.conf import AppSettings, Setting, env_list, setting

DOCS = Path(__file__).resolve().parents[3] / "docs"
MONTH = "REKISTERI_FINANCIAL_YEAR_END_MONTH"


def test_the_default_then_the_environment_then_the_settings_module(monkeypatch):
    monkeypatch.delenv(MONTH, raising=False)
    assert setting(MONTH) == 12
    monkeypatch.setenv(MONTH, " 6 ")
    assert setting(MONTH) == 6
    with override_settings(**{MONTH: 3}):
        assert setting(MONTH) == 3
    # Read at call time: the environment is seen again once the override ends.
    assert setting(MONTH) == 6


def test_a_blank_variable_counts_as_unset_for_numbers_and_lists(monkeypatch):
    monkeypatch.setenv(MONTH, "  ")
    assert setting(MONTH) == 12
    monkeypatch.setenv("REKISTERI_MFA_REQUIRED_ROLES", " , ")
    assert accounts_setting("REKISTERI_MFA_REQUIRED_ROLES") == (
        "privacy_officer",
        "administrator",
    )
    monkeypatch.setenv("REKISTERI_MFA_REQUIRED_ROLES", "sales, ,auditor")
    assert accounts_setting("REKISTERI_MFA_REQUIRED_ROLES") == ("sales", "auditor")
    assert env_list("") is conf.UNSET


def test_text_is_taken_as_given(monkeypatch):
    monkeypatch.setenv("REKISTERI_ATTESTATION_VERSION", "2024-1")
    assert accounts_setting("REKISTERI_ATTESTATION_VERSION") == "2024-1"


def test_a_variable_that_does_not_parse_stops_the_start_up_naming_it(monkeypatch):
    monkeypatch.setenv(MONTH, "twelve")
    with pytest.raises(ImproperlyConfigured, match=MONTH):
        conf.check_environment()
    with pytest.raises(ImproperlyConfigured, match=MONTH):
        setting(MONTH)


def test_a_default_may_be_computed_at_read_time(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert setting("REKISTERI_BACKUP_DIR") == tmp_path / "backups"


def test_an_app_reads_only_what_it_declares():
    with pytest.raises(KeyError):
        accounts_setting("REKISTERI_PAGE_SIZE")


def test_a_name_is_declared_once():
    with pytest.raises(ImproperlyConfigured, match="declared by both"):
        AppSettings("elsewhere.conf", Setting("REKISTERI_PAGE_SIZE", 10, "Rows."))
    with pytest.raises(ImproperlyConfigured):
        Setting("PAGE_SIZE", 10, "Rows.")


def test_every_installed_app_s_settings_are_found():
    names = conf.declared()
    assert {"REKISTERI_PAGE_SIZE", "REKISTERI_DORMANT_DAYS"} <= set(names)
    assert {"REKISTERI_PRH_TIMEOUT", "REKISTERI_RETENTION_GRACE_MONTHS"} <= set(names)


def test_the_test_settings_set_no_undeclared_setting():
    assert undeclared_settings() == []


def test_an_undeclared_setting_is_warned_about_with_the_names_near_it():
    with override_settings(REKISTERI_LOKOUT_MINUTES=5, REKISTERI_PRH={}):
        warnings = undeclared_settings()
    assert [w.id for w in warnings] == ["rekisteri.W001"] * 2
    lockout, prh = warnings
    assert "REKISTERI_LOKOUT_MINUTES" in lockout.msg
    assert "REKISTERI_LOCKOUT_MINUTES" in lockout.hint
    assert "REKISTERI_PRH" in prh.msg and "REKISTERI_PRH_TIMEOUT" in prh.hint


def test_docs_operations_lists_every_setting_as_declared():
    """docs/operations.md's Settings table names each declared setting
    once, and says *env* exactly for those the environment may set."""
    text = (DOCS / "operations.md").read_text()
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, bool] = {}
    for row in re.findall(r"^\| (`REKISTERI_.*)$", section, re.M):
        cells = [cell.strip() for cell in row.split("|")]
        for name in re.findall(r"`(REKISTERI_[A-Z_]+)`", cells[0]):
            assert name not in documented, f"{name} is listed twice"
            documented[name] = cells[2] == "env"
    declared = {name: item.env is not None for name, item in conf.declared().items()}
    assert documented == declared
