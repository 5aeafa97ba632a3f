from django import forms

from .models import VISIBILITY_CHOICES, Note


class NoteForm(forms.ModelForm):
    visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES)

    class Meta:
        model = Note
        fields = ["title", "body", "category", "visibility"]
