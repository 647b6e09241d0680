from django.urls import path

from rekisteri.accounts import views, views_admin, views_auth

app_name = "accounts"

urlpatterns = [
    path("login/", views_auth.login_view, name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("login/verify/", views_auth.mfa_verify, name="mfa_verify"),
    path("mfa/enrol/", views_auth.mfa_enrol, name="mfa_enrol"),
    path("reauth/", views_auth.reauth, name="reauth"),
    path("", views.account, name="account"),
    path("password/", views.password_change, name="password_change"),
    path("attestation/", views.attestation, name="attestation"),
    path("mfa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("staff/", views_admin.staff_list, name="staff_list"),
    path("staff/new/", views_admin.staff_create, name="staff_create"),
    path("staff/<id:user_id>/", views_admin.staff_detail, name="staff_detail"),
    path("staff/<id:user_id>/role/", views_admin.staff_role, name="staff_role"),
    path(
        "staff/<id:user_id>/password/",
        views_admin.staff_password,
        name="staff_password",
    ),
    path("staff/<id:user_id>/active/", views_admin.staff_active, name="staff_active"),
    path("staff/<id:user_id>/unlock/", views_admin.staff_unlock, name="staff_unlock"),
    path(
        "staff/<id:user_id>/mfa-reset/",
        views_admin.staff_mfa_reset,
        name="staff_mfa_reset",
    ),
    path(
        "staff/<id:user_id>/training/",
        views_admin.staff_training,
        name="staff_training",
    ),
    path(
        "addresses/<id:throttle_id>/unlock/",
        views_admin.address_unlock,
        name="address_unlock",
    ),
    path(
        "grants/<uuid:grant_id>/",
        views_admin.role_grant_decide,
        name="role_grant_decide",
    ),
    path("reviews/", views_admin.access_review, name="access_review"),
    path(
        "reviews/<id:user_id>/",
        views_admin.access_review_decide,
        name="access_review_decide",
    ),
]
