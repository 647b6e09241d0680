"""Staff UI routes of invoicing and collection. Ids in paths are UUIDs."""

from django.urls import path

from rekisteri.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("settings/", views.seller_settings, name="seller_settings"),
    path(
        "organizations/<uuid:organization_id>/invoices/new/",
        views.invoice_create,
        name="invoice_create",
    ),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<uuid:invoice_id>/edit/", views.invoice_edit, name="invoice_edit"),
    path(
        "invoices/<uuid:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"
    ),
    path(
        "invoices/<uuid:invoice_id>/delete/",
        views.invoice_delete,
        name="invoice_delete",
    ),
    path(
        "invoices/<uuid:invoice_id>/credit/",
        views.credit_note_create,
        name="credit_note_create",
    ),
    path(
        "invoices/<uuid:invoice_id>/finvoice.xml",
        views.invoice_finvoice,
        name="invoice_finvoice",
    ),
    path(
        "invoices/<uuid:invoice_id>/payments/new/",
        views.payment_create,
        name="payment_create",
    ),
    path(
        "invoices/<uuid:invoice_id>/reminders/new/",
        views.reminder_create,
        name="reminder_create",
    ),
    path(
        "invoices/<uuid:invoice_id>/collection/",
        views.collection_open,
        name="collection_open",
    ),
    path(
        "collection/<uuid:case_id>/hand-over/",
        views.collection_hand_over,
        name="collection_hand_over",
    ),
    path(
        "collection/<uuid:case_id>/close/",
        views.collection_close,
        name="collection_close",
    ),
    path("payments/import/", views.payment_import, name="payment_import"),
    path(
        "payments/imports/<uuid:import_id>/",
        views.payment_import_detail,
        name="payment_import_detail",
    ),
]
