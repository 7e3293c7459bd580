from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class RegistrationStatus(models.TextChoices):
    """Lifecycle of a registration (MISSION §2, 动态管理).

    applied → active (confirmed by the person) → suspended / cancelled; an application that
    lost to another registration of the same person, or was withdrawn, is closed.
    """

    APPLIED = "applied", _("Applied, awaiting confirmation")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


# Registrations that hold the person: a second registration elsewhere is refused.
HOLDING_STATUSES = (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED)


class RegistrationChannel(models.TextChoices):
    SELF = "self", _("Self-registration")
    REGISTRAR = "registrar", _("Entered by a registrar")
    IMPORT = "import", _("Imported from a roster")
    # Made up by `zhiyuan generate_population` for a demo or benchmark database, never a person.
    SYNTHETIC = "synthetic", _("Synthetic (demo or benchmark data)")


class ConfirmationMethod(models.TextChoices):
    SMS_CODE = "sms_code", _("One-time code by SMS")
    SMS_LINK = "sms_link", _("Link by SMS")
    IN_PERSON = "in_person", _("In person, recorded by a registrar")


class CancellationKind(models.TextChoices):
    """Why a registration ended (中国注册志愿者管理办法: at the volunteer's request, or by the
    registration body for refusal of duties)."""

    VOLUNTEER_REQUEST = "volunteer_request", _("At the volunteer's request")
    REFUSAL_OF_DUTIES = "refusal_of_duties", _("Refusal to perform duties")


class SystemReason(models.TextChoices):
    """Reasons the platform itself gives for a status change, kept as codes (a registrar's own
    reason is free text): shown in the reader's language (`Volunteer.status_reason_text`)."""

    REGISTERED_ELSEWHERE = "registered_elsewhere", _("registered with another body")
    VOLUNTEER_REQUEST = "volunteer_request", _("at the volunteer's request")
    REGISTRATION_CANCELLED = "registration_cancelled", _("the registration was cancelled")


def reason_text(reason: str) -> str:
    """A status change's reason in the active language: a SystemReason by its label; one kept
    in words before reasons had codes (in Chinese or English) by the same label; a registrar's
    own words as they are."""
    if reason in SystemReason.values:
        return str(SystemReason(reason).label)
    for known in SystemReason:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                kept_in_words = reason == str(known.label)
            if kept_in_words:
                return str(known.label)
    return reason


class AgeBasis(models.TextChoices):
    """On what ground a person may register at their age (中国注册志愿者管理办法 第八条)."""

    ADULT = "adult", _("Adult")
    OWN_INCOME = "own_income", _("Aged 16–17, living on own income (declared)")
    GUARDIAN_CONSENT = "guardian_consent", _("Aged 14–17, with the guardian's consent")
    SCHOOL_CONSENT = "school_consent", _("Student, through the school's consent procedure")


class PoliticalStatus(models.TextChoices):
    """政治面貌 (GB/T 4762), grouped as volunteer statistics tables use it."""

    PARTY_MEMBER = "party_member", _("Party member")
    PROBATIONARY_PARTY_MEMBER = "probationary_party_member", _("Probationary party member")
    LEAGUE_MEMBER = "league_member", _("League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
    NON_PARTISAN = "non_partisan", _("Non-partisan")
    PUBLIC = "public", _("The public")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    COLLEGE = "college", _("Junior college")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary or vocational")
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary")
    PRIMARY = "primary", _("Primary or below")


class Ethnicity(models.TextChoices):
    """民族, with the codes of GB/T 3304-1991."""

    HAN = "01", _("Han")
    MONGOL = "02", _("Mongol")
    HUI = "03", _("Hui")
    TIBETAN = "04", _("Tibetan")
    UYGHUR = "05", _("Uyghur")
    MIAO = "06", _("Miao")
    YI = "07", _("Yi")
    ZHUANG = "08", _("Zhuang")
    BOUYEI = "09", _("Bouyei")
    KOREAN = "10", _("Korean (Chaoxian)")
    MANCHU = "11", _("Manchu")
    DONG = "12", _("Dong")
    YAO = "13", _("Yao")
    BAI = "14", _("Bai")
    TUJIA = "15", _("Tujia")
    HANI = "16", _("Hani")
    KAZAKH = "17", _("Kazakh")
    DAI = "18", _("Dai")
    LI = "19", _("Li")
    LISU = "20", _("Lisu")
    VA = "21", _("Va")
    SHE = "22", _("She")
    GAOSHAN = "23", _("Gaoshan")
    LAHU = "24", _("Lahu")
    SHUI = "25", _("Shui")
    DONGXIANG = "26", _("Dongxiang")
    NAXI = "27", _("Naxi")
    JINGPO = "28", _("Jingpo")
    KYRGYZ = "29", _("Kyrgyz")
    TU = "30", _("Tu")
    DAUR = "31", _("Daur")
    MULAO = "32", _("Mulao")
    QIANG = "33", _("Qiang")
    BLANG = "34", _("Blang")
    SALAR = "35", _("Salar")
    MAONAN = "36", _("Maonan")
    GELAO = "37", _("Gelao")
    XIBE = "38", _("Xibe")
    ACHANG = "39", _("Achang")
    PUMI = "40", _("Pumi")
    TAJIK = "41", _("Tajik")
    NU = "42", _("Nu")
    UZBEK = "43", _("Uzbek")
    RUSSIAN = "44", _("Russian")
    EVENKI = "45", _("Evenki")
    DEANG = "46", _("De'ang")
    BONAN = "47", _("Bonan")
    YUGUR = "48", _("Yugur")
    GIN = "49", _("Gin")
    TATAR = "50", _("Tatar")
    DERUNG = "51", _("Derung")
    OROQEN = "52", _("Oroqen")
    HEZHEN = "53", _("Hezhen")
    MONBA = "54", _("Monba")
    LHOBA = "55", _("Lhoba")
    JINO = "56", _("Jino")
    OTHER = "97", _("Other ethnic group")
    FOREIGN_ORIGIN = "98", _("Chinese citizen of foreign origin")


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGY = "psychology", _("Psychological counselling")
    LEGAL = "legal", _("Legal advice")
    TEACHING = "teaching", _("Teaching and tutoring")
    LANGUAGE = "language", _("Foreign languages")
    SIGN_LANGUAGE = "sign_language", _("Sign language")
    COMPUTING = "computing", _("Computers and networks")
    PHOTOGRAPHY = "photography", _("Photography and video")
    PERFORMING_ARTS = "performing_arts", _("Performing arts")
    SPORTS = "sports", _("Sports and fitness")
    DRIVING = "driving", _("Driving")
    REPAIR = "repair", _("Repairs")
    ELDERLY_CARE = "elderly_care", _("Elderly care")


class ActivityCategory(models.TextChoices):
    """Service categories and special campaigns of the plan (§三(三)); volunteers state them as
    service intentions."""

    CULTURE = "culture", _("Culture")
    SCIENCE = "science", _("Popular science")
    ENVIRONMENT = "environment", _("Environmental protection")
    HEALTH = "health", _("Health")
    PUBLIC_SECURITY = "public_security", _("Public security")
    RED_CROSS = "red_cross", _("Red Cross")
    LEGAL_AID = "legal_aid", _("Legal aid")
    FITNESS = "fitness", _("National fitness")
    CIVILITY = "civility", _("Civility and new customs")
    EMPTY_NEST_ELDERLY = "empty_nest_elderly", _("Caring for empty-nest elderly")
    MIGRANT_WORKERS = "migrant_workers", _("Caring for migrant workers")
    DISABLED = "disabled", _("Caring for the disabled")
    CIVILISED_TRAFFIC = "civilised_traffic", _("Civilised traffic")
    COMMUNITY_SERVICE = "community_service", _("Community service")


class AvailableTime(models.TextChoices):
    WEEKDAY_DAYTIME = "weekday_daytime", _("Weekday daytime")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")
    HOLIDAYS = "holidays", _("Public holidays")


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LEFT = "left", _("Left")


class RequestKind(models.TextChoices):
    CORRECTION = "correction", _("Correction of my details")
    CANCELLATION = "cancellation", _("Cancellation of my registration")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class PersonalField(models.TextChoices):
    """Values masked on screen; showing one in full is permitted to some roles and logged."""

    DOCUMENT_NUMBER = "document_number", _("ID number")
    MOBILE = "mobile", _("Mobile")
    GUARDIAN_MOBILE = "guardian_mobile", _("Guardian's mobile")
    EMERGENCY_CONTACT_PHONE = "emergency_contact_phone", _("Emergency contact phone")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, waiting to be checked")
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked")
    IMPORTING = "importing", _("Being imported")
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Not imported")
    FAILED = "failed", _("Could not be read")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All rows or none (if any row has a problem, nothing is imported)")
    VALID_ONLY = "valid_only", _("Valid rows only (rows with problems are left out)")
