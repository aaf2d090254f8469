"""Content-addressed artifacts: the bytes live in the store, the row records what they are."""

from __future__ import annotations

from django.db import models


class Artifact(models.Model):
    digest = models.CharField(max_length=64, primary_key=True)  # sha256 of the bytes
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=100)
    port_type = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)
