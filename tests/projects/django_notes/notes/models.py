from django.conf import settings
from django.db import models

VISIBILITY_CHOICES = (
    ("private", "Only me"),
    ("team", "My team"),
    ("public", "Everyone"),
)


class Note(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    category = models.CharField(max_length=40, default="general")
    visibility = models.CharField(max_length=10, choices=VISIBILITY_CHOICES, default="private")
    pinned = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pinned", "-updated"]

    def __str__(self) -> str:
        return self.title
