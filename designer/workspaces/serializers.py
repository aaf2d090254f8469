from __future__ import annotations

from rest_framework import serializers

from .models import ApiToken, AuditEvent, Invitation, Membership, Workspace
from .tokens import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS

ROLE_CHOICES = Membership.Role.choices


class SignUpSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


class WorkspaceSerializer(serializers.ModelSerializer):
    personal = serializers.SerializerMethodField()
    role = serializers.CharField(read_only=True, help_text="Your role in this workspace.")
    members = serializers.IntegerField(source="member_count", read_only=True)

    class Meta:
        model = Workspace
        fields = ["id", "name", "slug", "personal", "role", "members", "created_at"]
        read_only_fields = ["id", "slug", "created_at"]

    def get_personal(self, workspace: Workspace) -> bool:
        return workspace.personal_for_id is not None


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    workspace = WorkspaceSerializer(help_text="The personal workspace.")


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "role"]


class AddMemberSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=ROLE_CHOICES, default=Membership.Role.CONTRIBUTOR)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLE_CHOICES)


class InviteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=ROLE_CHOICES, default=Membership.Role.CONTRIBUTOR)

    def validate(self, attrs):
        if bool(attrs["username"]) == bool(attrs["email"]):
            raise serializers.ValidationError(
                {"username": "Give a username or an email address (one of them)."}
            )
        return attrs


class InvitationSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True, default=None)
    invited_by = serializers.CharField(source="invited_by.username", read_only=True, default=None)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "username", "email", "role", "invited_by", "status", "created_at", "expires_at"]

    def get_status(self, invitation: Invitation) -> str:
        from django.utils import timezone

        if invitation.accepted_at:
            return "accepted"
        if invitation.revoked_at:
            return "revoked"
        return "expired" if invitation.expires_at <= timezone.now() else "pending"


class NewInvitationSerializer(InvitationSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once: the invitee accepts with it.")
    accept_path = serializers.CharField(read_only=True)

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "token", "accept_path"]


class AcceptedSerializer(serializers.Serializer):
    workspace = WorkspaceSerializer()
    role = serializers.CharField()


class ApiTokenSerializer(serializers.ModelSerializer):
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=MAX_EXPIRY_DAYS, default=DEFAULT_EXPIRY_DAYS, write_only=True
    )
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "active",
            "expires_in_days",
        ]  # fmt: skip
        read_only_fields = ["id", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def get_active(self, token: ApiToken) -> bool:
        from django.utils import timezone

        return token.revoked_at is None and token.expires_at > timezone.now()


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="Shown once. Send it as 'Authorization: Bearer …'."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "details",
            "count",
        ]
