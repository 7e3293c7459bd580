from django.urls import path

from zhiyuan.volunteers import views_work as views

urlpatterns = [
    path("requests/", views.requests_inbox, name="requests"),
    path("requests/<int:pk>/handle/", views.handle_request, name="handle-request"),
    path("memberships/", views.memberships, name="memberships"),
    path("memberships/<int:pk>/decide/", views.decide_membership, name="decide-membership"),
]
