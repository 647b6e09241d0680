"""Staff UI routes of contracts."""

app_name = "contracts"

urlpatterns: list = []
