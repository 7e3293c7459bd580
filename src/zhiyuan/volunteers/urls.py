"""Office pages for registered volunteers, mounted at /volunteers/: the ledger and the
registration pages (`urls_ledger`), registration bodies and Attachment 2 (`urls_bodies`),
teams and volunteers' requests (`urls_work`)."""

from django.urls import include, path

app_name = "volunteers"
urlpatterns = [
    path("", include("zhiyuan.volunteers.urls_ledger")),
    path("bodies/", include("zhiyuan.volunteers.urls_bodies")),
    path("work/", include("zhiyuan.volunteers.urls_work")),
    path("imports/", include("zhiyuan.volunteers.urls_imports")),
]
