"""``manage.py demo_setup``: demo register, one login per role, passwords once."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import StaffUser
from rekisteri.demo.management.commands import demo_setup
from rekisteri.registry.models import Organization, Person
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db

USERNAMES = {a.username for a in demo_setup.DEMO_ACCOUNTS}


@pytest.fixture(autouse=True)
def small_and_quick(monkeypatch, settings):
    # The command seeds 200 organizations and 1,000 persons; a few do here.
    monkeypatch.setattr(demo_setup, "DEMO_ORGANIZATIONS", 4)
    monkeypatch.setattr(demo_setup, "DEMO_PERSONS", 20)
    # Argon2 is slow by design; these tests hash dozens of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_setup", *args, stdout=out)
    return out.getvalue()


CODE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


def _cells(output: str) -> dict[str, list[str]]:
    found = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] in USERNAMES:
            found[cells[0]] = cells
    return found


def logins(output: str) -> dict[str, str]:
    """username -> password from the printed table."""
    return {
        user: next(c for c in reversed(cells) if not CODE.match(c))
        for user, cells in _cells(output).items()
    }


def enrolment_codes(output: str) -> dict[str, str]:
    """username -> the one-time enrolment code printed beside the password."""
    return {
        user: cells[-1]
        for user, cells in _cells(output).items()
        if CODE.match(cells[-1])
    }


def test_empty_database_gets_a_register_and_an_account_per_role():
    output = run()
    assert Organization.objects.count() == 4
    assert Person.objects.count() == 20
    users = StaffUser.objects.all()
    assert {u.role for u in users} == set(StaffRole.values)
    assert all(u.first_name and u.last_name for u in users)
    assert demo_setup.URL in output
    printed = logins(output)
    assert set(printed) == USERNAMES
    for username, password in printed.items():
        assert authenticate(username=username, password=password) is not None


def test_second_run_prints_no_passwords_and_seeds_nothing():
    first = logins(run())
    output = run()
    for password in first.values():
        assert password not in output
    assert "--reset-passwords" in output
    assert StaffUser.objects.count() == len(StaffRole)
    assert Person.objects.count() == 20


def test_reset_passwords_prints_new_ones():
    old = logins(run())
    new = logins(run("--reset-passwords"))
    assert set(new) == USERNAMES
    for username in USERNAMES:
        assert new[username] != old[username]
        assert authenticate(username=username, password=old[username]) is None
        assert authenticate(username=username, password=new[username]) is not None


def test_no_demo_accounts_next_to_real_staff():
    make_staff()
    output = run()
    assert not StaffUser.objects.filter(username__in=USERNAMES).exists()
    assert logins(output) == {}


def test_demo_accounts_may_read_the_register_and_mfa_is_explained():
    from rekisteri.accounts.permissions import Perm, has_perm

    output = run()
    sales = StaffUser.objects.get(role=StaffRole.SALES)
    assert has_perm(sales, Perm.REGISTRY_VIEW)
    assert "authenticator app" in output
    assert "tietosuoja" in output.split("Two-step login")[1]


def test_privacy_officer_and_auditor_get_an_enrolment_code_that_works():
    from rekisteri.accounts.enrolment import enrolment_code_check

    output = run()
    codes = enrolment_codes(output)
    officer = StaffUser.objects.get(role=StaffRole.PRIVACY_OFFICER)
    auditor = StaffUser.objects.get(role=StaffRole.AUDITOR)
    assert set(codes) == {officer.username, auditor.username}
    assert enrolment_code_check(officer, codes[officer.username]) is not None
    assert enrolment_code_check(auditor, codes[officer.username]) is None
    assert "enrolment code" in output
