"""Staff UI routes of invoicing and collection."""

app_name = "billing"

urlpatterns: list = []
