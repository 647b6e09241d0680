"""Staff pages for rights requests and the public request portal."""

from django.urls import path

from rekisteri.dsr import views

app_name = "dsr"

urlpatterns = [
    # Public, no login, under the notice's paths (reachable from anywhere).
    path("tietosuoja/pyynto/", views.portal_fi, name="portal_fi"),
    path("dataskydd/begaran/", views.portal_sv, name="portal_sv"),
    path("privacy/request/", views.portal_en, name="portal_en"),
    path("tietosuoja/pyynto/vahvista/", views.confirm_fi, name="confirm_fi"),
    path("dataskydd/begaran/bekrafta/", views.confirm_sv, name="confirm_sv"),
    path("privacy/request/confirm/", views.confirm_en, name="confirm_en"),
    path("tietosuoja/pyynto/lataa/<str:token>/", views.download_fi, name="download_fi"),
    path(
        "dataskydd/begaran/ladda-ned/<str:token>/",
        views.download_sv,
        name="download_sv",
    ),
    path(
        "privacy/request/download/<str:token>/", views.download_en, name="download_en"
    ),
    # The privacy office's case handling.
    path("privacy-office/requests/", views.case_list, name="case_list"),
    path("privacy-office/requests/new/", views.case_create, name="case_create"),
    path(
        "privacy-office/requests/<uuid:dsr_id>/", views.case_detail, name="case_detail"
    ),
    path("privacy-office/requests/<uuid:dsr_id>/act/", views.case_act, name="case_act"),
    path(
        "privacy-office/requests/<uuid:dsr_id>/letters/<uuid:letter_id>/print/",
        views.case_letter_print,
        name="case_letter_print",
    ),
    path(
        "privacy-office/requests/<uuid:dsr_id>/exports/<uuid:export_id>/hand-over/",
        views.case_export_hand_over,
        name="case_export_hand_over",
    ),
]
