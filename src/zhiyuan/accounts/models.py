from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common import crypto
from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.organizations.enums import RoleKind

MOBILE_PURPOSE = "mobile"


def mobile_digest(mobile: str) -> str:
    return crypto.lookup_digest(mobile, purpose=MOBILE_PURPOSE)


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("name", username)
        return self.create_user(username, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: office staff, and later volunteers.

    A mobile number may be shared by several people (families, guardians), so it is not
    unique; it is stored encrypted with a keyed digest for log-in look-up.
    """

    username = models.CharField(_("username"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=50)
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")
    mobile_digest = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    email = models.EmailField(_("email"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("platform staff"), default=False, help_text=_("May use the platform admin site.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # "Wang" and "wang" are one username (services check with iexact); the database
            # keeps two accounts created at the same moment from both passing that check.
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_case_insensitive_unique",
                violation_error_message=_("This username is already taken."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.username})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.mobile_digest = mobile_digest(self.mobile) if self.mobile else ""
        super().save(*args, **kwargs)


class Role(models.Model):
    """`user` holds `kind` on `organization` and everything below it."""

    ACCESS_PATH = "organization__path"

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="roles",
    )
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "kind"], name="role_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.organization}"


class SmsCode(models.Model):
    """A one-time code sent by SMS (password reset); only its hash is stored."""

    mobile_digest = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=30)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["mobile_digest", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code {self.created_at:%Y-%m-%d %H:%M}"
