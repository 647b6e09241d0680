"""Public notice pages and the privacy office's staff pages.

The notice pages are public (no login): they show the version in force and
offer Markdown and HTML downloads. Everything under ``privacy-office/`` needs
PRIVACY_VIEW to read and PRIVACY_MANAGE to write. Views are thin: reads via
:mod:`selectors`, writes via :mod:`services` / :mod:`breaches`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.core.errors import ServiceError
from rekisteri.core.forms import apply_service_errors, message_form_errors
from rekisteri.privacy import (
    breaches,
    charts,
    completeness,
    notice,
    panels,
    selectors,
    services,
)
from rekisteri.privacy.choices import ClockState
from rekisteri.privacy.facts import system_facts
from rekisteri.privacy.forms import (
    ProfileForm,
    TextsForm,
    WaiveForm,
)
from rekisteri.privacy.notice_texts import TITLE, t

NOTICE_FILES = {
    "fi": "tietosuojaseloste",
    "sv": "dataskyddsbeskrivning",
    "en": "privacy-notice",
}
NOTICE_PATHS = {"fi": "tietosuoja", "sv": "dataskydd", "en": "privacy"}


def office_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """A privacy-office page's context: whether the user may manage, and ``extra``."""
    return {"can_manage": has_perm(request.user, Perm.PRIVACY_MANAGE), **extra}


# --------------------------------------------------------------------------
# Public notice
# --------------------------------------------------------------------------


def _public_notice(request: HttpRequest, language: str) -> HttpResponse:
    version = selectors.current_notice()
    if version is None:
        return render(
            request,
            "privacy/public_notice.html",
            {"version": None, "language": language},
            status=404,
        )
    return render(
        request,
        "privacy/public_notice.html",
        {
            "version": version,
            "language": language,
            "body": version.html[language],
            "md_url": f"/{NOTICE_PATHS[language]}/{NOTICE_FILES[language]}.md",
            "html_url": f"/{NOTICE_PATHS[language]}/{NOTICE_FILES[language]}.html",
            "others": [
                (lang, f"/{NOTICE_PATHS[lang]}/", name)
                for lang, name in (
                    ("fi", "Suomi"),
                    ("sv", "Svenska"),
                    ("en", "English"),
                )
                if lang != language
            ],
        },
    )


@require(Perm.PUBLIC)
def notice_fi(request: HttpRequest) -> HttpResponse:
    """Tietosuojaseloste: the Finnish notice, public."""
    return _public_notice(request, "fi")


@require(Perm.PUBLIC)
def notice_sv(request: HttpRequest) -> HttpResponse:
    """Dataskyddsbeskrivning: the Swedish notice, public."""
    return _public_notice(request, "sv")


@require(Perm.PUBLIC)
def notice_en(request: HttpRequest) -> HttpResponse:
    """Privacy notice: the English notice, public."""
    return _public_notice(request, "en")


def _download(language: str, fmt: str) -> HttpResponse:
    version = selectors.current_notice()
    if version is None:
        raise Http404
    name = f"{NOTICE_FILES[language]}-v{version.number}.{fmt}"
    if fmt == "md":
        body = version.markdown[language]
        content_type = "text/markdown; charset=utf-8"
    else:
        body = notice.standalone_html(
            language, t(TITLE, language), version.html[language]
        )
        content_type = "text/html; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Digest"] = version.digest
    return response


def download_view(language: str, fmt: str):
    """The public download view of the current notice in ``language`` and ``fmt``."""

    @require(Perm.PUBLIC)
    def view(request: HttpRequest) -> HttpResponse:
        return _download(language, fmt)

    view.__name__ = f"notice_download_{language}_{fmt}"
    view.__doc__ = f"The current {language} notice as {fmt}, public."
    return view


# --------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------

KIND_LABELS = {
    "notice": _("Notice review"),
    "party": _("Processor reviews"),
    "breach": _("Breach clocks"),
    "manual_record": _("Paper to destroy"),
    "attestation": _("Training and attestations"),
}


@require(Perm.PRIVACY_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Overdue and upcoming items of the privacy office, with charts."""
    items = selectors.dashboard_items()
    series_overdue, series_upcoming = [], []
    for kind, title in KIND_LABELS.items():
        of_kind = [i for i in items if i.kind == kind]
        series_overdue.append((str(title), sum(i.overdue for i in of_kind), "overdue"))
        series_upcoming.append(
            (str(title), sum(not i.overdue for i in of_kind), "upcoming")
        )
    breach_states: dict[str, int] = {}
    for b in selectors.breaches():
        state = breaches.clock_state(b)
        breach_states[state] = breach_states.get(state, 0) + 1
    breach_series = [
        (str(label), breach_states.get(value, 0), value)
        for value, label in ClockState.choices
    ]
    return render(
        request,
        "privacy/dashboard.html",
        office_context(
            request,
            items=items,
            kind_labels={k: str(v) for k, v in KIND_LABELS.items()},
            overdue_chart=charts.bar_chart(_("Overdue"), series_overdue),
            upcoming_chart=charts.bar_chart(_("Due within 30 days"), series_upcoming),
            breach_chart=charts.bar_chart(_("Breaches by clock state"), breach_series),
            current=selectors.current_notice(),
            review_due=selectors.notice_review_due(),
            panels=panels.panels(request.user, timezone.localdate()),
        ),
    )


# --------------------------------------------------------------------------
# Controller profile and notice
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def profile_detail(request: HttpRequest) -> HttpResponse:
    """The controller profile."""
    return render(
        request,
        "privacy/profile_detail.html",
        office_context(request, profile=selectors.controller_profile()),
    )


def _profile_initial(profile: Any) -> dict[str, Any]:
    if profile is None:
        return {"country": "FI", "review_interval_months": 12}
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    initial["authority_links"] = "\n".join(
        f"{x['label']} | {x['url']}" for x in profile.authority_links or []
    )
    return initial


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit the controller's facts."""
    profile = selectors.controller_profile()
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data.get(k) for k in services.PROFILE_FIELDS}
            try:
                services.profile_update(
                    actor=request.user,
                    data=data,
                    authority_links=form.links(),
                    request=request,
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:profile")
    else:
        form = ProfileForm(initial=_profile_initial(profile))
    return render(
        request, "privacy/profile_form.html", office_context(request, form=form)
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def profile_texts(request: HttpRequest) -> HttpResponse:
    """Edit the notice texts of one language (``?lang=fi|sv|en``, default fi).

    The form posts back to the same address, so the language travels in the
    query string both ways.
    """
    language = request.GET.get("lang", "fi")
    if language not in services.LANGUAGES:
        raise Http404
    profile = selectors.controller_profile()
    if profile is None:
        messages.error(request, _("Fill in the controller's details first."))
        return redirect("privacy:profile_edit")
    keys = services.text_keys()
    if request.method == "POST":
        form = TextsForm(request.POST, keys=keys)
        if form.is_valid():
            try:
                services.profile_texts_update(
                    actor=request.user,
                    language=language,
                    texts=form.cleaned_data,
                    request=request,
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:profile")
    else:
        form = TextsForm(keys=keys, initial=(profile.texts or {}).get(language, {}))
    return render(
        request,
        "privacy/texts_form.html",
        office_context(request, form=form, language=language),
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def profile_load_seed(request: HttpRequest) -> HttpResponse:
    """Load the shipped controller profile (the seed notice's facts)."""
    services.profile_load_seed(actor=request.user, request=request)
    messages.success(request, _("The controller profile was loaded."))
    return redirect("privacy:profile")


@require(Perm.PRIVACY_VIEW)
def notice_admin(request: HttpRequest) -> HttpResponse:
    """Draft preview, completeness report, waivers, publishing and versions."""
    profile = selectors.controller_profile()
    language = request.GET.get("lang", "fi")
    if language not in services.LANGUAGES:
        language = "fi"
    report = preview = None
    if profile is not None:
        facts = system_facts(profile)
        report = completeness.check(facts, profile.waivers)
        preview = notice.to_html(notice.build(facts, language))
    return render(
        request,
        "privacy/notice_admin.html",
        office_context(
            request,
            profile=profile,
            report=report,
            preview=preview,
            language=language,
            languages=services.LANGUAGES,
            versions=selectors.notice_versions(),
            waivers=(profile.waivers if profile else {}),
        ),
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def notice_publish(request: HttpRequest) -> HttpResponse:
    """Publish the notice (refused while the check reports a missing item)."""
    try:
        version = services.notice_publish(actor=request.user, request=request)
    except ServiceError as exc:
        detail = getattr(exc, "fields", {}).get("notice", [("", exc.message)])
        messages.error(request, detail[0][1])
    else:
        messages.success(request, _("Version %(n)d published.") % {"n": version.number})
    return redirect("privacy:notice_admin")


@require(Perm.PRIVACY_MANAGE)
@require_POST
def notice_waive(request: HttpRequest) -> HttpResponse:
    """Record (or withdraw) why a completeness item does not apply."""
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            services.notice_item_waive(
                actor=request.user,
                item=form.cleaned_data["item"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved"))
    else:
        message_form_errors(request, form)
    return redirect("privacy:notice_admin")


@require(Perm.PRIVACY_VIEW)
def notice_version(request: HttpRequest, version_id: uuid.UUID) -> HttpResponse:
    """One published version, as it was published."""
    version = selectors.notice_version_get(version_id)
    if version is None:
        raise Http404
    language = request.GET.get("lang", "fi")
    if language not in version.html:
        language = "fi"
    return render(
        request,
        "privacy/notice_version.html",
        office_context(
            request,
            version=version,
            language=language,
            languages=services.LANGUAGES,
            body=version.html[language],
        ),
    )
