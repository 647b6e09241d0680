"""Public privacy-notice pages and the privacy office's staff pages."""

app_name = "privacy"

urlpatterns: list = []
