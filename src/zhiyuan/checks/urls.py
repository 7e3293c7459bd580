"""Office pages of the checks app, mounted at /checks/ (namespace "checks")."""

from django.urls import URLPattern, path

from zhiyuan.checks import views

app_name = "checks"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.campaign, name="campaign"),
    path("<int:pk>/assign/", views.campaign_assign, name="campaign-assign"),
    path("<int:pk>/close/", views.campaign_close, name="campaign-close"),
    path("<int:pk>/export.<str:fmt>", views.campaign_export, name="campaign-export"),
    path("mine/", views.mine, name="mine"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/phone/", views.item_phone, name="item-phone"),
    path("items/<int:pk>/attempt/", views.item_attempt, name="item-attempt"),
    path("items/<int:pk>/outcome/", views.item_outcome, name="item-outcome"),
    path("cases/", views.cases, name="cases"),
    path("cases/export.<str:fmt>", views.cases_export, name="cases-export"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("cases/<int:pk>/decide/", views.case_decide, name="case-decide"),
    path("cases/<int:pk>/evidence/", views.case_evidence, name="case-evidence"),
    path("rates/", views.rates, name="rates"),
    path("rates/<int:body>/in-person/", views.require_in_person, name="require-in-person"),
    path("rates/in-person/<int:pk>/lift/", views.lift_in_person, name="lift-in-person"),
]
