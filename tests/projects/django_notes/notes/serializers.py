from rest_framework import serializers

from .models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "title", "body", "category", "visibility", "pinned", "updated"]
        read_only_fields = ["pinned", "updated"]
