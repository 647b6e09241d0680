"""``manage.py demo_setup``: demo data and one demo login per staff role.

``make run`` calls it on every start. The first time it fills an empty
register and creates a personal account for each role, printing the
passwords once; they are stored only as hashes, so later runs can only say
that the accounts exist, and ``--reset-passwords`` prints new ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.conf import setting
from rekisteri.accounts.enrolment import (
    enrolment_code_issue,
    enrolment_code_needed,
    needs_approval,
)
from rekisteri.accounts.models import StaffUser
from rekisteri.accounts.services import staff_user_create
from rekisteri.demo import accounts as accounts_demo
from rekisteri.demo import contracts as contracts_demo
from rekisteri.demo import invoices as billing_demo
from rekisteri.demo import messages as messaging_demo
from rekisteri.demo import privacy_office as privacy_demo
from rekisteri.demo import register as demo

URL = "http://127.0.0.1:8000/"
DEMO_ORGANIZATIONS = 200
DEMO_PERSONS = 1000


@dataclass(frozen=True)
class DemoAccount:
    """A demo login: the username says what the role is, in Finnish."""

    role: StaffRole
    username: str
    first_name: str
    last_name: str


DEMO_ACCOUNTS = (
    DemoAccount(StaffRole.SALES, "myynti", "Sanna", "Virtanen"),
    DemoAccount(StaffRole.CUSTOMER_SERVICE, "asiakaspalvelu", "Jukka", "Korhonen"),
    DemoAccount(StaffRole.BILLING, "laskutus", "Leena", "Mäkinen"),
    DemoAccount(StaffRole.PRIVACY_OFFICER, "tietosuoja", "Timo", "Nieminen"),
    DemoAccount(StaffRole.ADMINISTRATOR, "yllapito", "Anu", "Hämäläinen"),
    DemoAccount(StaffRole.AUDITOR, "tarkastaja", "Pekka", "Laine"),
)


def new_password(user: StaffUser) -> str:
    """A random password that passes the project's password validators."""
    while True:
        password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
        try:
            validate_password(password, user)
        except ValidationError:
            continue  # e.g. all digits: astronomically rare, but checked
        return password


class Command(BaseCommand):
    help = (
        "Seed an empty register with demo data and create one demo staff "
        "account per role, printing their passwords once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give the existing demo accounts new passwords and print them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._seed_if_empty()
        existing = StaffUser.objects.filter(
            username__in=[a.username for a in DEMO_ACCOUNTS]
        )
        if not StaffUser.objects.exists():
            logins = self._create_accounts()
            self._print_logins(logins, "Demo accounts created.")
        elif options["reset_passwords"]:
            logins = self._reset_passwords(list(existing))
            if logins:
                self._print_logins(logins, "Demo passwords reset.")
            else:
                self.stdout.write("There are no demo accounts to reset.")
        elif existing.exists():
            self.stdout.write(
                "Demo accounts exist ("
                + ", ".join(sorted(u.username for u in existing))
                + "). Their passwords were shown when they were created; "
                "`manage.py demo_setup --reset-passwords` prints new ones."
            )
            self.stdout.write(f"Open {URL}")
        else:
            # Staff accounts of a real installation: no demo logins next to
            # them.
            self.stdout.write("Staff accounts exist; no demo accounts created.")
        accounts_demo.clear_demo_accounts(
            StaffUser.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
        )

    def _seed_if_empty(self) -> None:
        if not demo.register_is_empty():
            return
        # Before the register, so the demo persons were collected under
        # notice version 1 (the person page says which version applied).
        if privacy_demo.seed():
            self.stdout.write("Demo privacy office: controller and notice loaded.")
        result = demo.seed(organizations=DEMO_ORGANIZATIONS, persons=DEMO_PERSONS)
        messaging_demo.seed_messages()
        self.stdout.write(
            f"Demo register: {result.organizations:,} organizations and "
            f"{result.persons:,} persons added."
        )
        contracts = contracts_demo.seed()
        self.stdout.write(f"Demo contracts: {contracts.contracts:,} added.")
        invoices = billing_demo.seed()
        self.stdout.write(f"Demo invoicing: seller settings and {invoices} invoices.")

    @staticmethod
    def _enrolment_code(user: StaffUser) -> str:
        """Privacy officers and auditors set up their authenticator only
        with a one-time code from whoever granted the role: the demo grants
        it, so it hands the code over here (docs/security.md)."""
        if not needs_approval(user.role):
            return ""
        return enrolment_code_issue(None, user, None, None)

    def _create_accounts(self) -> list[tuple[StaffUser, str, str]]:
        logins = []
        with transaction.atomic():
            for account in DEMO_ACCOUNTS:
                probe = StaffUser(
                    username=account.username,
                    first_name=account.first_name,
                    last_name=account.last_name,
                )
                password = new_password(probe)
                user = staff_user_create(
                    actor=None,
                    username=account.username,
                    password=password,
                    role=account.role,
                    first_name=account.first_name,
                    last_name=account.last_name,
                )
                logins.append((user, password, self._enrolment_code(user)))
        return logins

    def _reset_passwords(
        self, users: list[StaffUser]
    ) -> list[tuple[StaffUser, str, str]]:
        order = {a.username: i for i, a in enumerate(DEMO_ACCOUNTS)}
        logins = []
        with transaction.atomic():
            for user in sorted(users, key=lambda u: order[u.username]):
                password = new_password(user)
                user.set_password(password)
                user.save(update_fields=["password"])
                # A new code only where one is still needed (no authenticator).
                code = self._enrolment_code(user) if enrolment_code_needed(user) else ""
                logins.append((user, password, code))
        return logins

    def _print_logins(
        self, logins: list[tuple[StaffUser, str, str]], title: str
    ) -> None:
        rows = [("Username", "Role", "Password", "Enrolment code")] + [
            (user.username, str(StaffRole(user.role).label), password, code)
            for user, password, code in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))

        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(title) + f" Log in at {URL}")
        out.write("Passwords are shown only now; write them down.")
        out.write("")
        out.write("  " + line(rows[0]).rstrip())
        out.write("  " + "  ".join("-" * w for w in widths))
        for row in rows[1:]:
            out.write("  " + line(row).rstrip())
        out.write("")
        mfa_users = [
            user.username
            for user, _password, _code in logins
            if user.role in setting("REKISTERI_MFA_REQUIRED_ROLES")
        ]
        if mfa_users:
            out.write(
                self.style.WARNING("Two-step login: ")
                + ", ".join(mfa_users)
                + " must use an authenticator app (TOTP). At the first login the "
                "page shows a QR code and the key to add to the app (FreeOTP, "
                "Aegis, Google or Microsoft Authenticator…), then asks for a code "
                "and shows one-time recovery codes."
            )
            out.write("")
        if any(code for _user, _password, code in logins):
            out.write(
                "Privacy officers and auditors add their authenticator only with "
                "the one-time enrolment code beside their password (valid "
                f"{setting('REKISTERI_ENROLMENT_CODE_HOURS')} hours)."
            )
            out.write("")
