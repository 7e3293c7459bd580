"""The office pages of activities, under /activities/."""

from django.urls import path

from zhiyuan.activities import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/finish/", views.finish, name="finish"),
    path("<int:pk>/slots/add/", views.add_slot, name="add-slot"),
    path("<int:pk>/attachments/add/", views.add_attachment, name="add-attachment"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("attachments/<int:pk>/remove/", views.remove_attachment, name="remove-attachment"),
    path("slots/<int:slot>/", views.slot, name="slot"),
    path("slots/<int:slot>/capacity/", views.change_capacity, name="change-capacity"),
    path("slots/<int:slot>/remove/", views.remove_slot, name="remove-slot"),
    path("slots/<int:slot>/group/", views.group, name="group"),
    path("slots/<int:slot>/signups/<int:pk>/", views.decide_signup, name="decide-signup"),
]
