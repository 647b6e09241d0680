"""Account administration (``Perm.ACCOUNTS_MANAGE``): staff accounts, roles,
lockouts, second factors, training records and access reviews.

Every change goes through a service that writes the audit event. Role
changes and second-factor resets need a fresh password (and code) from the
administrator: ``require_recent_auth``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts import enrolment, mfa, selectors, services
from rekisteri.accounts.auth import mfa_required
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.clearance import clearance_of
from rekisteri.accounts.conf import setting
from rekisteri.accounts.decorators import (
    require_recent_auth,
    require_recent_auth_to_post,
)
from rekisteri.accounts.forms import (
    NewPasswordForm,
    RoleForm,
    StaffCreateForm,
    TrainingForm,
)
from rekisteri.accounts.models import AccessReview, RoleGrant, StaffUser
from rekisteri.accounts.permissions import Perm, require
from rekisteri.core.errors import Conflict, ValidationFailed


def _staff(user_id: int) -> StaffUser:
    user = StaffUser.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def _form_errors(form, exc: ValidationFailed) -> None:
    for name, errors in exc.fields.items():
        for _code, message in errors:
            if name == "password":
                name = "new_password1"
            form.add_error(name if name in form.fields else None, message)


@require(Perm.ACCOUNTS_MANAGE)
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every staff account with its role, state and lockout."""
    locked = selectors.locked_keys()
    users = list(selectors.staff_accounts())
    rows = [
        {
            "user": u,
            "locked": selectors.is_account_locked(u, locked),
            "clearance": clearance_of(u),
        }
        for u in users
    ]
    return render(
        request,
        "accounts/staff_list.html",
        {
            "rows": rows,
            "addresses": selectors.locked_addresses(),
            "grants": _pending_grants(),
        },
    )


def _pending_grants() -> list[RoleGrant]:
    return list(
        RoleGrant.objects.filter(status=RoleGrant.Status.PENDING)
        .select_related("user", "requested_by")
        .order_by("requested_at")
    )


def _grant_message(role: str) -> str:
    return _(
        "The role “%(role)s” takes effect when another administrator approves it."
    ) % {"role": StaffRole(role).label}


def _staff_list_url(request: HttpRequest, **kwargs) -> str:
    return reverse("accounts:staff_list")


@require(Perm.ACCOUNTS_MANAGE)
@require_recent_auth_to_post(_staff_list_url)
@require_POST
def role_grant_decide(request: HttpRequest, grant_id) -> HttpResponse:
    """Approve or reject a pending four-eyes role (another administrator:
    not the one who asked, not the account's holder). Approval shows the
    one-time enrolment code once, on this response only."""
    approve = request.POST.get("decision") == "approve"
    try:
        grant, code = services.role_grant_decide(
            actor=request.user, grant_id=grant_id, approve=approve, request=request
        )
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("accounts:staff_list")
    if not approve:
        messages.success(request, _("The role request has been rejected."))
        return redirect("accounts:staff_list")
    return _code_page(request, grant.user, code)


def _code_page(request: HttpRequest, user: StaffUser, code: str) -> HttpResponse:
    response = render(
        request,
        "accounts/enrolment_code.html",
        {
            "staff": user,
            "code": code,
            "hours": setting("REKISTERI_ENROLMENT_CODE_HOURS"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require(Perm.ACCOUNTS_MANAGE)
@require_recent_auth
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    """Create a personal account with a first password."""
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_user_create(
                actor=request.user,
                username=data["username"].strip(),
                password=data["new_password1"],
                role=data["role"],
                first_name=data["first_name"].strip(),
                last_name=data["last_name"].strip(),
                email=data["email"],
                request=request,
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The account has been created."))
            if user.role != data["role"]:
                messages.info(request, _grant_message(data["role"]))
            return redirect("accounts:staff_detail", user_id=user.pk)
    return render(request, "accounts/staff_create.html", {"form": form})


@require(Perm.ACCOUNTS_MANAGE)
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One account: role, state, second factor, training, reviews."""
    user = _staff(user_id)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "staff": user,
            "locked": selectors.is_account_locked(user),
            "clearance": clearance_of(user),
            "trainings": user.trainings.all()[:10],
            "totp": mfa.confirmed_totp(user),
            "mfa_required": mfa_required(user),
            "reviews": user.access_reviews.select_related("reviewer")[:10],
            "role_form": RoleForm(initial={"role": user.role}),
            "training_form": TrainingForm(
                initial={"completed_on": timezone.localdate()}
            ),
            "is_self": user.pk == request.user.pk,
            "grant": user.role_grants.filter(status=RoleGrant.Status.PENDING).first(),
            "needs_ticket": enrolment.enrolment_code_needed(user),
        },
    )


@require(Perm.ACCOUNTS_MANAGE)
@require_recent_auth
@require_http_methods(["GET", "POST"])
def staff_role(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change an account's role (needs a fresh re-authentication)."""
    user = _staff(user_id)
    form = RoleForm(request.POST or None, initial={"role": user.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_user_set_role(
                actor=request.user,
                user=user,
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            role = form.cleaned_data["role"]
            if enrolment.needs_approval(role) and role != user.role:
                messages.info(request, _grant_message(role))
            else:
                messages.success(request, _("The role has been changed."))
            return redirect("accounts:staff_detail", user_id=user.pk)
    return render(request, "accounts/staff_role.html", {"staff": user, "form": form})


@require(Perm.ACCOUNTS_MANAGE)
@require_recent_auth
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def staff_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """Set a new password for someone who forgot theirs (re-authentication)."""
    user = _staff(user_id)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_user_set_password(
                actor=request.user,
                user=user,
                password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The new password has been set."))
            return redirect("accounts:staff_detail", user_id=user.pk)
    return render(
        request, "accounts/staff_password.html", {"staff": user, "form": form}
    )


@require(Perm.ACCOUNTS_MANAGE)
@require_POST
def staff_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Disable or enable an account."""
    user = _staff(user_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_user_set_active(
            actor=request.user, user=user, active=active, request=request
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The account is enabled.") if active else _("The account is disabled."),
        )
    return redirect("accounts:staff_detail", user_id=user.pk)


@require(Perm.ACCOUNTS_MANAGE)
@require_POST
def staff_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    """Lift the lockout of an account."""
    user = _staff(user_id)
    services.account_unlock(actor=request.user, user=user, request=request)
    messages.success(request, _("The account is unlocked."))
    return redirect("accounts:staff_detail", user_id=user.pk)


@require(Perm.ACCOUNTS_MANAGE)
@require_POST
def address_unlock(request: HttpRequest, throttle_id: int) -> HttpResponse:
    """Lift the lockout of a client address."""
    services.address_unlock(
        actor=request.user, throttle_id=throttle_id, request=request
    )
    messages.success(request, _("The address is unlocked."))
    return redirect("accounts:staff_list")


@require(Perm.ACCOUNTS_MANAGE)
@require_recent_auth
@require_http_methods(["GET", "POST"])
def staff_mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Remove an account's authenticator and recovery codes (lost phone)."""
    user = _staff(user_id)
    if request.method == "POST":
        code = mfa.mfa_reset(actor=request.user, user=user, request=request)
        if code:
            return _code_page(request, user, code)
        messages.success(
            request,
            _("The second factor has been reset; it is set up again at next login."),
        )
        return redirect("accounts:staff_detail", user_id=user.pk)
    return render(request, "accounts/staff_mfa_reset.html", {"staff": user})


def _detail_url(request: HttpRequest, user_id: int) -> str:
    return reverse("accounts:staff_detail", args=[user_id])


@require(Perm.ACCOUNTS_MANAGE)
@require_recent_auth_to_post(_detail_url)
@require_POST
def staff_training(request: HttpRequest, user_id: int) -> HttpResponse:
    """Record a completed privacy training."""
    user = _staff(user_id)
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            services.training_record(
                actor=request.user,
                user=user,
                completed_on=form.cleaned_data["completed_on"],
                course=form.cleaned_data["course"],
                request=request,
            )
        except ValidationFailed as exc:
            for errors in exc.fields.values():
                for _code, message in errors:
                    messages.error(request, message)
        else:
            messages.success(request, _("The training has been recorded."))
    else:
        messages.error(request, _("Give the date the training was completed."))
    return redirect("accounts:staff_detail", user_id=user.pk)


@require(Perm.ACCOUNTS_MANAGE)
def access_review(request: HttpRequest) -> HttpResponse:
    """The access review: who has which role, and do they still need it."""
    return render(
        request,
        "accounts/access_review.html",
        {"rows": selectors.access_review_rows(), "Decision": AccessReview.Decision},
    )


@require(Perm.ACCOUNTS_MANAGE)
@require_POST
def access_review_decide(request: HttpRequest, user_id: int) -> HttpResponse:
    """Recertify an account's access, or revoke it."""
    user = _staff(user_id)
    try:
        services.access_review_record(
            actor=request.user,
            user=user,
            decision=request.POST.get("decision", ""),
            request=request,
        )
    except ValidationFailed:
        messages.error(request, _("Choose recertify or revoke."))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The review decision has been recorded."))
    return redirect("accounts:access_review")
