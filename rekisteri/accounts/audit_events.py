"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "access.denied": (
        "A page or API call refused for lack of permission (role or clearance)."
    ),
    "access.network_denied": "A request from outside the staff networks was refused.",
    "access.csrf_failed": "A form post failed the CSRF check.",
    "access_review.record": "An access review of the staff accounts was recorded.",
    "api_token.create": "An API token was created (never the token).",
    "api_token.revoke": "An API token was revoked.",
    "auth.login": "A staff member logged in.",
    "auth.login_failed": "A login failed: wrong password, locked or unknown account.",
    "auth.logout": "A staff member logged out.",
    "auth.mfa_enrol": "A second factor (TOTP) was enrolled.",
    "auth.mfa_recovery_codes": "New recovery codes were made.",
    "auth.mfa_reset": "An administrator reset a staff member's second factor.",
    "auth.mfa_verify": "The second factor was verified at login.",
    "auth.password_change": "A staff member changed their password.",
    "auth.password_set": "An administrator set a staff member's password.",
    "auth.reauth": "A staff member re-authenticated before a sensitive step.",
    "auth.role_change": "A staff member's role changed.",
    "auth.session_expired": "A session ended by the idle or absolute timeout.",
    "auth.token_refused": "An API call with an unknown, revoked or expired token.",
    "auth.unlock": "A locked account or client address was unlocked.",
    "staff_attestation.sign": "A staff member signed the confidentiality attestation.",
    "staff_training.record": "A privacy training was recorded for a staff member.",
    "staff_user.create": "A staff account was created.",
    "staff_user.disable": "A staff account was disabled.",
    "staff_user.enable": "A staff account was enabled again.",
    "auth.enrolment_code_issue": (
        "A one-time enrolment code was issued for a four-eyes role's "
        "authenticator (its validity in hours, never the code)."
    ),
    "role_grant.request": (
        "A privacy-officer or auditor role was asked for; it waits for a "
        "second administrator."
    ),
    "role_grant.approve": "A second administrator approved a requested role.",
    "role_grant.reject": (
        "A requested role was rejected, or withdrawn by a newer role decision."
    ),
}
