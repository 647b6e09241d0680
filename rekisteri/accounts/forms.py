"""Forms of the account pages. They parse input; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.accounts.choices import StaffRole, TokenScope
from rekisteri.accounts.conf import setting
from rekisteri.core.validation import BoundedDateField


class ApiTokenForm(forms.Form):
    """Name, scope and lifetime of a new personal API token."""

    use_required_attribute = False

    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "100"}),
        help_text=_("What the token is for, for example “Invoicing sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=TokenScope.choices, initial=TokenScope.READ
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": "1", "max": "366"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default_days = setting("REKISTERI_API_TOKEN_DEFAULT_DAYS")
        self.fields["days"].initial = default_days
        self.fields["days"].help_text = _("1–366 days.")


def _password_help() -> str:
    """The password rules, as the validators themselves word them."""
    from django.contrib.auth.password_validation import password_validators_help_texts

    return " ".join(str(t) for t in password_validators_help_texts())


class LoginForm(forms.Form):
    """User name and password. Validation is the login service's job."""

    use_required_attribute = False

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    use_required_attribute = False

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


class EnrolForm(CodeForm):
    """The app's code and, for a four-eyes role, the one-time enrolment code."""

    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        required=False,
        max_length=40,
        help_text=_("The one-time code from the administrator who approved your role."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    field_order = ["enrolment_code", "code"]


class NewPasswordForm(forms.Form):
    """A new password typed twice; the rules are shown as help text."""

    use_required_attribute = False

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = _password_help()

    def clean(self) -> dict:
        data = super().clean()
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class PasswordChangeForm(NewPasswordForm):
    """The current password, then the new one twice."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class ReauthForm(forms.Form):
    """Confirm it is still you: the password, and a code when enrolled."""

    use_required_attribute = False

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code from the authenticator app"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class StaffCreateForm(NewPasswordForm):
    """A new personal staff account."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    field_order = [
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "new_password1",
        "new_password2",
    ]


class RoleForm(forms.Form):
    use_required_attribute = False

    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)


class TrainingForm(forms.Form):
    """A completed privacy training."""

    use_required_attribute = False

    completed_on = BoundedDateField(
        label=_("Completed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    course = forms.CharField(label=_("Course"), max_length=200, required=False)
