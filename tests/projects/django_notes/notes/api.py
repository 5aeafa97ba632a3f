"""REST API (Django REST framework)."""

from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Note
from .serializers import NoteSerializer

STATS_TTL_SECONDS = 120


class NoteStatsView(APIView):
    def get(self, request):
        key = f"note-stats:{request.user.pk}"
        stats = cache.get(key)
        if stats is None:
            stats = services.stats_for(request.user)
            cache.set(key, stats, STATS_TTL_SECONDS)
        return Response(stats)


@api_view(["GET"])
@permission_classes([AllowAny])
def ping(request):
    return Response({"pong": True})


@api_view(["GET"])
def recent_notes(request):
    ids = services.recent_note_ids(request.user.pk)
    notes = {n.pk: n for n in Note.objects.filter(pk__in=ids, owner=request.user)}
    ordered = [notes[i] for i in ids if i in notes]
    return Response(NoteSerializer(ordered, many=True).data)


class NoteViewSet(viewsets.ViewSet):
    def list(self, request):
        queryset = Note.objects.filter(owner=request.user)
        return Response(NoteSerializer(queryset, many=True).data)

    def retrieve(self, request, pk=None):
        note = get_object_or_404(services.visible_to(request.user), pk=pk)
        return Response(NoteSerializer(note).data)

    def create(self, request):
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(owner=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def pin(self, request, pk=None):
        updated = Note.objects.filter(pk=pk, owner=request.user).update(pinned=True)
        if not updated:
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response({"pinned": True})

    @action(detail=True, methods=["get"])
    def draft(self, request, pk=None):
        note = get_object_or_404(Note, pk=pk, owner=request.user)
        return Response({"note": note.pk, "draft": services.pending_draft(request.user.pk, note.pk)})
