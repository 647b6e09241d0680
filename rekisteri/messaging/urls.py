"""Staff UI routes of message history."""

app_name = "messaging"

urlpatterns: list = []
