"""The accounts app's settings (docs/security.md, Accounts and authentication).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_int, env_list, env_str

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_SESSION_IDLE_MINUTES",
        30,
        "Minutes without a request after which a session ends.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_SESSION_MAX_HOURS",
        10,
        "Hours after the login after which a session ends (also the session "
        "cookie's age, read once by rekisteri/settings.py).",
        env=env_int,
    ),
    Setting(
        "REKISTERI_REAUTH_MINUTES",
        10,
        "Minutes a password (and TOTP) entered for a sensitive action stays good.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_MFA_REQUIRED_ROLES",
        ("privacy_officer", "administrator"),
        "Roles that must use a second factor (TOTP) to log in.",
        env=env_list,
    ),
    Setting(
        "REKISTERI_FOUR_EYES_ROLES",
        ("privacy_officer", "auditor"),
        "Roles that take effect only on a second administrator's approval.",
    ),
    Setting(
        "REKISTERI_ENROLMENT_CODE_HOURS",
        72,
        "Hours the one-time enrolment code shown on approval lasts.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_LOCKOUT_ACCOUNT_FAILURES",
        5,
        "Failed logins of one user name (existing or not) that lock it.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_LOCKOUT_ADDRESS_FAILURES",
        20,
        "Failed logins from one client address that lock the address.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_LOCKOUT_MINUTES",
        30,
        "The lockout's window and length in minutes.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_STAFF_NETWORKS",
        (),
        "CIDRs allowed to reach the staff UI and API (none: no restriction).",
        env=env_list,
    ),
    Setting(
        "REKISTERI_TRUSTED_PROXIES",
        (),
        "Reverse proxies whose X-Forwarded-For is believed.",
        env=env_list,
    ),
    Setting(
        "REKISTERI_TRAINING_VALID_MONTHS",
        12,
        "Months a completed data-protection training stays valid.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_CLEARANCE_WARNING_DAYS",
        30,
        "Days before the training runs out that the staff member is warned.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_ATTESTATION_VERSION",
        "1",
        "The confidentiality attestation's version every account must sign.",
        env=env_str,
    ),
    Setting(
        "REKISTERI_DORMANT_DAYS",
        90,
        "Days without a login after which disable_dormant disables an account.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_API_TOKEN_DEFAULT_DAYS",
        90,
        "Days an API token lasts unless its creator says otherwise.",
    ),
)
setting = SETTINGS.value
