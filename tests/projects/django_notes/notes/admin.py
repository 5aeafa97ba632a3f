from django.contrib import admin

from .models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "category", "visibility", "pinned", "updated")
    list_filter = ("visibility", "category", "pinned")
    search_fields = ("title", "body")
