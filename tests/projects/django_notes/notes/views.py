"""HTML views."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.decorators.http import require_POST

from . import services
from .forms import NoteForm
from .models import Note
from .tags import suggestions_for

log = logging.getLogger(__name__)

MAX_DRAFT_CHARS = 100_000


@login_required
def note_list(request):
    notes = services.visible_to(request.user).select_related("owner")
    category = request.GET.get("category")
    if category:
        notes = notes.filter(category=category)
    return render(request, "notes/list.html", {"notes": notes[:100], "category": category})


class NoteDetailView(LoginRequiredMixin, View):
    template_name = "notes/detail.html"

    def get(self, request, pk: int):
        note = get_object_or_404(services.visible_to(request.user), pk=pk)
        services.record_view(request.user.pk, note.pk)
        return render(request, self.template_name, {"note": note})


class NoteCreateView(LoginRequiredMixin, View):
    template_name = "notes/form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": NoteForm()})

    def post(self, request):
        form = NoteForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        note = form.save(commit=False)
        note.owner = request.user
        note.save()
        log.info("note %s created", note.pk)
        return redirect("notes:detail", pk=note.pk)


def _stash_draft(request, note: Note) -> float:
    body = request.POST.get("body", "")
    if len(body) > MAX_DRAFT_CHARS:
        raise ValueError("draft too long")
    return services.save_draft(request.user.pk, note.pk, body)


@login_required
@require_POST
def autosave(request, pk: int):
    note = get_object_or_404(Note, pk=pk, owner=request.user)
    try:
        saved_at = _stash_draft(request, note)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    return JsonResponse({"saved_at": saved_at})


def tags_by_category(request, category: str):
    return JsonResponse({"category": category, "tags": suggestions_for(category)})
