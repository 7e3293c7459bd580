from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgLevel(models.IntegerChoices):
    """The four levels of the organisation system (plan §三(一)); values match division levels."""

    CITY = 2, _("City")
    DISTRICT = 3, _("District")
    STREET = 4, _("Street / township")
    COMMUNITY = 5, _("Community / village")


class OrgKind(models.TextChoices):
    GUIDANCE_COMMITTEE = "guidance_committee", _("Guidance committee")
    VOLUNTEER_ASSOCIATION = "volunteer_association", _("Volunteer association")
    GENERAL_SERVICE_TEAM = "general_service_team", _("General service team")
    SERVICE_TEAM = "service_team", _("Service team")
    SERVICE_CENTRE = "service_centre", _("Service centre")
    SERVICE_STATION = "service_station", _("Service station")
    WORK_UNIT = "work_unit", _("Work unit")


class TeamSpecialty(models.TextChoices):
    """Specialised service teams (专业志愿服务队); blank for an ordinary team."""

    NONE = "", _("Ordinary")
    CULTURE = "culture", _("Culture")
    SCIENCE = "science", _("Popular science")
    ENVIRONMENT = "environment", _("Environmental protection")
    HEALTH = "health", _("Health and medical")
    PUBLIC_SECURITY = "public_security", _("Public security")
    RED_CROSS = "red_cross", _("Red Cross")
    LEGAL_AID = "legal_aid", _("Legal aid")
    FITNESS = "fitness", _("National fitness")
    EMERGENCY = "emergency", _("Emergency rescue")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    TRAFFIC = "traffic", _("Civilised traffic")
    OTHER = "other", _("Other")


class UnitCategory(models.TextChoices):
    """Work-unit categories with their registration targets (plan §二(二))."""

    PARTY_GOVERNMENT = "party_government", _("Party and government organ, people's organisation")
    ENTERPRISE_INSTITUTION = "enterprise_institution", _("Enterprise or public institution")
    CIVILISED_UNIT_SCHOOL = "civilised_unit_school", _("Civilised unit, school or university")
    CIVILISED_VILLAGE = "civilised_village", _("Civilised village, town or community")


# Registered volunteers as a share of headcount, in percent (plan §二(二)).
UNIT_TARGET_PERCENT = {
    UnitCategory.PARTY_GOVERNMENT: 60,
    UnitCategory.ENTERPRISE_INSTITUTION: 50,
    UnitCategory.CIVILISED_UNIT_SCHOOL: 70,
    UnitCategory.CIVILISED_VILLAGE: 15,
}


class StationType(models.TextChoices):
    COMMUNITY = "community", _("Community / village")
    SCENIC_SPOT = "scenic_spot", _("Scenic spot")
    PARK = "park", _("Park")
    SQUARE = "square", _("Square")
    TRANSPORT = "transport", _("Bus or rail station")
    WELFARE_HOME = "welfare_home", _("Welfare home")
    ELDERLY_HOME = "elderly_home", _("Elderly home")
    SPECIAL_SCHOOL = "special_school", _("Special-education school")
    OTHER = "other", _("Other")


class RoleKind(models.TextChoices):
    """Roles a user holds on an organisation; each covers that organisation's subtree."""

    ADMINISTRATOR = "administrator", _("Administrator")
    REGISTRAR = "registrar", _("Registrar")
    TEAM_LEADER = "team_leader", _("Team leader")
    CHECKER = "checker", _("Checker")
    VIEWER = "viewer", _("Viewer")
