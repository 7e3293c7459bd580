"""Office pages of service hours, mounted at /hours/ (namespace "hours")."""

app_name = "hours"
urlpatterns: list[object] = []
