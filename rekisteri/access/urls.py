"""Routes of the need-to-know matrix."""

from django.urls import path

from rekisteri.access import views

app_name = "access"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("edit/", views.matrix_edit, name="matrix_edit"),
    path("scope/", views.scope_edit, name="scope_edit"),
]
