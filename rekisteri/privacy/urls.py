"""Public privacy-notice pages and the privacy office's staff pages."""

from django.urls import path

from rekisteri.privacy import views, views_registers

app_name = "privacy"

urlpatterns = [
    # Public, no login: the notice in force, in three languages, and downloads.
    path("tietosuoja/", views.notice_fi, name="notice_fi"),
    path("dataskydd/", views.notice_sv, name="notice_sv"),
    path("privacy/", views.notice_en, name="notice_en"),
    path(
        "tietosuoja/tietosuojaseloste.md",
        views.download_view("fi", "md"),
        name="notice_fi_md",
    ),
    path(
        "tietosuoja/tietosuojaseloste.html",
        views.download_view("fi", "html"),
        name="notice_fi_html",
    ),
    path(
        "dataskydd/dataskyddsbeskrivning.md",
        views.download_view("sv", "md"),
        name="notice_sv_md",
    ),
    path(
        "dataskydd/dataskyddsbeskrivning.html",
        views.download_view("sv", "html"),
        name="notice_sv_html",
    ),
    path(
        "privacy/privacy-notice.md",
        views.download_view("en", "md"),
        name="notice_en_md",
    ),
    path(
        "privacy/privacy-notice.html",
        views.download_view("en", "html"),
        name="notice_en_html",
    ),
    # The privacy office.
    path("privacy-office/", views.dashboard, name="dashboard"),
    path("privacy-office/profile/", views.profile_detail, name="profile"),
    path("privacy-office/profile/edit/", views.profile_edit, name="profile_edit"),
    path(
        "privacy-office/profile/texts/",
        views.profile_texts,
        name="profile_texts",
    ),
    path(
        "privacy-office/profile/load/",
        views.profile_load_seed,
        name="profile_load_seed",
    ),
    path("privacy-office/notice/", views.notice_admin, name="notice_admin"),
    path("privacy-office/notice/publish/", views.notice_publish, name="notice_publish"),
    path("privacy-office/notice/waive/", views.notice_waive, name="notice_waive"),
    path(
        "privacy-office/notice/versions/<uuid:version_id>/",
        views.notice_version,
        name="notice_version",
    ),
    path("privacy-office/ropa/", views_registers.ropa_page, name="ropa"),
    path("privacy-office/ropa.csv", views_registers.ropa_csv, name="ropa_csv"),
    path("privacy-office/ropa.json", views_registers.ropa_json, name="ropa_json"),
    path("privacy-office/parties/", views_registers.party_list, name="party_list"),
    path(
        "privacy-office/parties/new/", views_registers.party_create, name="party_create"
    ),
    path(
        "privacy-office/parties/<uuid:processor_id>/edit/",
        views_registers.party_edit,
        name="party_edit",
    ),
    path(
        "privacy-office/manual-records/",
        views_registers.manual_record_list,
        name="manual_record_list",
    ),
    path(
        "privacy-office/manual-records/new/",
        views_registers.manual_record_create,
        name="manual_record_create",
    ),
    path(
        "privacy-office/manual-records/<uuid:record_id>/",
        views_registers.manual_record_detail,
        name="manual_record_detail",
    ),
    path(
        "privacy-office/manual-records/<uuid:record_id>/edit/",
        views_registers.manual_record_edit,
        name="manual_record_edit",
    ),
    path(
        "privacy-office/manual-records/<uuid:record_id>/destroy/",
        views_registers.manual_record_destroy,
        name="manual_record_destroy",
    ),
    path("privacy-office/breaches/", views_registers.breach_list, name="breach_list"),
    path(
        "privacy-office/breaches/new/",
        views_registers.breach_create,
        name="breach_create",
    ),
    path(
        "privacy-office/breaches/<uuid:breach_id>/",
        views_registers.breach_detail,
        name="breach_detail",
    ),
    path(
        "privacy-office/breaches/<uuid:breach_id>/edit/",
        views_registers.breach_edit,
        name="breach_edit",
    ),
    path(
        "privacy-office/breaches/<uuid:breach_id>/affected/",
        views_registers.breach_affected,
        name="breach_affected",
    ),
    path(
        "privacy-office/breaches/<uuid:breach_id>/affected.csv",
        views_registers.breach_affected_csv,
        name="breach_affected_csv",
    ),
]
