from django.urls import path

from zhiyuan.volunteers import views_ledger as views

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("progress/", views.progress, name="progress"),
    path("policy/", views.policy, name="policy"),
    path("register/", views.register, name="register"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirm-in-person/", views.confirm_in_person, name="confirm-in-person"),
    path("<int:pk>/send-confirmation/", views.send_confirmation, name="send-confirmation"),
    path("<int:pk>/suspend/", views.suspend, name="suspend"),
    path("<int:pk>/reinstate/", views.reinstate, name="reinstate"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/reregister/", views.reregister, name="reregister"),
    path("<int:pk>/transfer/", views.transfer, name="transfer"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/photo/", views.photo, name="photo"),
    path("<int:pk>/photo/upload/", views.upload_photo, name="photo-upload"),
]
