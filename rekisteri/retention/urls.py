from django.urls import path

from rekisteri.retention import views

app_name = "retention"

urlpatterns = [
    path("privacy-office/retention/", views.forecast, name="forecast"),
    path("privacy-office/retention/due/", views.due, name="due"),
    path("privacy-office/retention/runs/", views.runs, name="runs"),
    path(
        "privacy-office/retention/runs/<id:run_id>/",
        views.run_detail,
        name="run_detail",
    ),
]
