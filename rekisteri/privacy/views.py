"""Public notice pages and the privacy office's staff pages.

The notice pages are public (no login): they show the version in force and
offer Markdown and HTML downloads. Everything under ``privacy-office/`` needs
PRIVACY_VIEW to read and PRIVACY_MANAGE to write. Views are thin: reads via
:mod:`selectors`, writes via :mod:`services` / :mod:`breaches`.
"""

from __future__ import annotations

import csv
import io
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
from rekisteri.privacy import (
    breaches,
    charts,
    completeness,
    notice,
    ropa,
    selectors,
    services,
)
from rekisteri.privacy.choices import ClockState
from rekisteri.privacy.facts import NoticeFacts, system_facts
from rekisteri.privacy.forms import (
    AffectedForm,
    BreachForm,
    DestroyForm,
    ManualRecordForm,
    PartyForm,
    ProfileForm,
    TextsForm,
    WaiveForm,
)
from rekisteri.privacy.models import Breach, ManualRecord, Party
from rekisteri.registry.forms import apply_service_errors

NOTICE_FILES = {
    "fi": "tietosuojaseloste",
    "sv": "dataskyddsbeskrivning",
    "en": "privacy-notice",
}
NOTICE_PATHS = {"fi": "tietosuoja", "sv": "dataskydd", "en": "privacy"}


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
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
        doc = notice.build(
            NoticeFacts.from_dict(version.facts),
            language,
            version=version.number,
            published_at=version.published_at,
        )
        body = notice.standalone_html(doc)
        content_type = "text/html; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Digest"] = version.digest
    return response


def _download_view(language: str, fmt: str):
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
    "attestation": _("Attestations"),
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
        _ctx(
            request,
            items=items,
            kind_labels={k: str(v) for k, v in KIND_LABELS.items()},
            overdue_chart=charts.bar_chart(_("Overdue"), series_overdue),
            upcoming_chart=charts.bar_chart(_("Due within 30 days"), series_upcoming),
            breach_chart=charts.bar_chart(_("Breaches by clock state"), breach_series),
            current=selectors.current_notice(),
            review_due=selectors.notice_review_due(),
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
        _ctx(request, profile=selectors.controller_profile()),
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
    return render(request, "privacy/profile_form.html", _ctx(request, form=form))


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def profile_texts(request: HttpRequest, language: str) -> HttpResponse:
    """Edit the notice texts of one language."""
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
        _ctx(request, form=form, language=language),
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
        _ctx(
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
        _ctx(
            request,
            version=version,
            language=language,
            languages=services.LANGUAGES,
            body=version.html[language],
        ),
    )


# --------------------------------------------------------------------------
# Record of processing activities
# --------------------------------------------------------------------------


def _ropa_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "fi")
    return language if language in services.LANGUAGES else "fi"


@require(Perm.PRIVACY_VIEW)
def ropa_page(request: HttpRequest) -> HttpResponse:
    """The record of processing activities (Art. 30(1))."""
    language = _ropa_language(request)
    return render(
        request,
        "privacy/ropa.html",
        _ctx(
            request,
            activities=ropa.activities(language=language),
            headers=ropa.HEADERS,
            language=language,
            languages=services.LANGUAGES,
        ),
    )


@require(Perm.PRIVACY_VIEW)
def ropa_csv(request: HttpRequest) -> HttpResponse:
    """The record of processing activities as CSV."""
    body = ropa.to_csv(ropa.activities(language=_ropa_language(request)))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ropa.csv"'
    return response


@require(Perm.PRIVACY_VIEW)
def ropa_json(request: HttpRequest) -> HttpResponse:
    """The record of processing activities as JSON."""
    body = ropa.to_json(ropa.activities(language=_ropa_language(request)))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ropa.json"'
    return response


# --------------------------------------------------------------------------
# Processors and recipients
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def party_list(request: HttpRequest) -> HttpResponse:
    """Processors, recipients and joint controllers."""
    from rekisteri.privacy.recipients import external_recipients

    return render(
        request,
        "privacy/party_list.html",
        _ctx(
            request,
            parties=selectors.parties(),
            contributed=[r for r in external_recipients() if r.source != "privacy"],
            today=timezone.localdate(),
        ),
    )


def _party_form(request: HttpRequest, party: Party | None) -> HttpResponse:
    if request.method == "POST":
        form = PartyForm(request.POST)
        if form.is_valid():
            try:
                if party is None:
                    services.party_create(
                        actor=request.user, data=form.cleaned_data, request=request
                    )
                else:
                    services.party_update(
                        actor=request.user,
                        party=party,
                        data=form.cleaned_data,
                        request=request,
                    )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:party_list")
    elif party is not None:
        form = PartyForm(
            initial={
                f: getattr(party, f)
                for f in (
                    "name",
                    "role",
                    "service",
                    "country",
                    "data_categories",
                    "agreement_date",
                    "guarantees",
                    "next_review_on",
                    "transfer_mechanism",
                    "is_active",
                )
            }
        )
    else:
        form = PartyForm()
    return render(
        request, "privacy/party_form.html", _ctx(request, form=form, party=party)
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def party_create(request: HttpRequest) -> HttpResponse:
    """Register a processor, recipient or joint controller."""
    return _party_form(request, None)


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def party_edit(request: HttpRequest, party_id: uuid.UUID) -> HttpResponse:
    """Change a processor, recipient or joint controller."""
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise Http404
    return _party_form(request, party)


# --------------------------------------------------------------------------
# Manual records
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def manual_record_list(request: HttpRequest) -> HttpResponse:
    """Paper material, overdue destruction first."""
    return render(
        request,
        "privacy/manual_record_list.html",
        _ctx(
            request,
            records=selectors.manual_records(),
            overdue=selectors.manual_records_overdue(),
        ),
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def manual_record_create(request: HttpRequest) -> HttpResponse:
    """Register paper material."""
    if request.method == "POST":
        form = ManualRecordForm(request.POST)
        if form.is_valid():
            try:
                record = services.manual_record_create(
                    actor=request.user, data=form.cleaned_data, request=request
                )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:manual_record_detail", record_id=record.pk)
    else:
        form = ManualRecordForm()
    return render(request, "privacy/manual_record_form.html", _ctx(request, form=form))


def _manual_record(record_id: uuid.UUID) -> ManualRecord:
    record = ManualRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise Http404
    return record


def _record_page(request: HttpRequest, record: ManualRecord, form: Any) -> HttpResponse:
    return render(
        request,
        "privacy/manual_record_detail.html",
        _ctx(request, record=record, form=form),
    )


@require(Perm.PRIVACY_VIEW)
def manual_record_detail(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    """One piece of paper material and its destruction."""
    record = _manual_record(record_id)
    return _record_page(
        request, record, DestroyForm(initial={"destroyed_on": timezone.localdate()})
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def manual_record_destroy(request: HttpRequest, record_id: uuid.UUID) -> HttpResponse:
    """Log the destruction: date, method and who did it."""
    record = _manual_record(record_id)
    form = DestroyForm(request.POST)
    if form.is_valid():
        try:
            services.manual_record_destroy(
                actor=request.user,
                record=record,
                destroyed_on=form.cleaned_data["destroyed_on"],
                method=form.cleaned_data["destruction_method"],
                destroyed_by=form.cleaned_data["destroyed_by"],
                request=request,
            )
        except ServiceError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The destruction was logged."))
            return redirect("privacy:manual_record_detail", record_id=record.pk)
    return _record_page(request, record, form)


# --------------------------------------------------------------------------
# Breaches
# --------------------------------------------------------------------------


@require(Perm.PRIVACY_VIEW)
def breach_list(request: HttpRequest) -> HttpResponse:
    """The breach register with each breach's clock."""
    now = timezone.now()
    rows = [(b, breaches.clock_state(b, now)) for b in selectors.breaches()]
    return render(request, "privacy/breach_list.html", _ctx(request, rows=rows))


BREACH_FORM_FIELDS = breaches.BREACH_FIELDS


def _breach_form(request: HttpRequest, breach: Breach | None) -> HttpResponse:
    if request.method == "POST":
        form = BreachForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data.get(k) for k in BREACH_FORM_FIELDS}
            try:
                if breach is None:
                    breach = breaches.breach_create(
                        actor=request.user, data=data, request=request
                    )
                else:
                    breach = breaches.breach_update(
                        actor=request.user, breach=breach, data=data, request=request
                    )
            except ServiceError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Saved"))
                return redirect("privacy:breach_detail", breach_id=breach.pk)
    elif breach is not None:
        initial = {}
        for k in BREACH_FORM_FIELDS:
            value = getattr(breach, k)
            if hasattr(value, "tzinfo") and value is not None:
                value = timezone.localtime(value)
            initial[k] = value
        form = BreachForm(initial=initial)
    else:
        form = BreachForm(initial={"discovered_at": timezone.localtime()})
    return render(
        request, "privacy/breach_form.html", _ctx(request, form=form, breach=breach)
    )


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_create(request: HttpRequest) -> HttpResponse:
    """Record a breach."""
    return _breach_form(request, None)


def _breach(breach_id: uuid.UUID) -> Breach:
    breach = Breach.objects.filter(pk=breach_id).first()
    if breach is None:
        raise Http404
    return breach


@require(Perm.PRIVACY_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_edit(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """Change a breach record."""
    return _breach_form(request, _breach(breach_id))


@require(Perm.PRIVACY_VIEW)
def breach_detail(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """One breach: its clock, notifications and the people affected."""
    breach = _breach(breach_id)
    now = timezone.now()
    initial: dict[str, Any] = {}
    if breach.affected_account_id:
        initial = {
            "account": breach.affected_account_id,
            "start": timezone.localtime(breach.affected_from),
            "end": timezone.localtime(breach.affected_until),
        }
    return render(
        request,
        "privacy/breach_detail.html",
        _ctx(
            request,
            breach=breach,
            state=breaches.clock_state(breach, now),
            remaining=breach.authority_deadline - now,
            affected_form=AffectedForm(initial=initial),
        ),
    )


@require(Perm.PRIVACY_MANAGE)
@require_POST
def breach_affected(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """Count the people an account touched in a window, from the audit log."""
    breach = _breach(breach_id)
    form = AffectedForm(request.POST)
    if form.is_valid():
        try:
            breach = breaches.breach_affected_compute(
                actor=request.user,
                breach=breach,
                account_id=form.cleaned_data["account"].pk,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            for errs in getattr(exc, "fields", {}).values():
                for _code, message in errs:
                    messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(n)d people affected.") % {"n": breach.affected_count or 0},
            )
    else:
        for errs in form.errors.values():
            for message in errs:
                messages.error(request, message)
    return redirect("privacy:breach_detail", breach_id=breach.pk)


@require(Perm.PRIVACY_MANAGE)
def breach_affected_csv(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    """The people affected, for notifying them (each person's view audited)."""
    breach = _breach(breach_id)
    try:
        people = breaches.breach_affected_export(
            actor=request.user, breach=breach, request=request
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:breach_detail", breach_id=breach.pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["person_id", "name", "email", "status"])
    for p in people:
        name = "'" + p.name if p.name[:1] in "=+-@" else p.name
        writer.writerow(
            [str(p.person_id), name, p.email, "ok" if p.exists else "erased"]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="breach-affected.csv"'
    response["Cache-Control"] = "no-store"
    return response
