"""Scanning a web framework's own source tree, with the test apps it ships.

The framework's code is the project then: its request dispatcher, its test client and its
default settings are all in the tree, next to the small views its tests serve.
"""

from __future__ import annotations

from statelint.model import ScanResult


def verdicts(result: ScanResult) -> dict[str, str]:
    return {v.handler.name: v.verdict for v in result.verdicts}


#: A view of the framework's test suite that fetches another page through the test client,
#: which runs that request through the framework's handler (signals, URL resolving).
TEST_CLIENT_TREE = {
    "django/__init__.py": '',
    "django/dispatch/__init__.py": 'from django.dispatch.dispatcher import Signal\n',
    "django/dispatch/dispatcher.py": '''
class Signal:
    def __init__(self):
        self.receivers = []
        self.sender_receivers_cache = {}

    def connect(self, receiver):
        self.receivers.append(receiver)
        self.sender_receivers_cache.clear()

    def send(self, sender, **named):
        receivers = self.sender_receivers_cache.get(sender)
        if receivers is None:
            receivers = list(self.receivers)
            self.sender_receivers_cache[sender] = receivers
        return [(receiver, receiver(sender=sender, **named)) for receiver in receivers]
''',
    "django/core/__init__.py": '',
    "django/core/signals.py": '''
from django.dispatch import Signal

request_started = Signal()
request_finished = Signal()
''',
    "django/core/handlers/__init__.py": '',
    "django/core/handlers/base.py": '''
from django.core.signals import request_finished
from django.urls.resolvers import get_resolver


class BaseHandler:
    def get_response(self, request):
        match = get_resolver().resolve(request["PATH_INFO"])
        response = match.func(request, *match.args)
        request_finished.send(sender=self.__class__)
        return response
''',
    "django/urls/__init__.py": '',
    "django/urls/resolvers.py": '''
import functools
from importlib import import_module


class ResolverMatch:
    def __init__(self, func, args):
        self.func = func
        self.args = args


class URLResolver:
    def __init__(self, urlconf_name):
        self.urlconf_name = urlconf_name
        self._populated = False
        self._reverse_dict = {}

    def _populate(self):
        for pattern in import_module(self.urlconf_name).urlpatterns:
            self._reverse_dict[pattern.name] = pattern
        self._populated = True

    def resolve(self, path):
        if not self._populated:
            self._populate()
        for pattern in self._reverse_dict.values():
            if pattern.route == path:
                return ResolverMatch(pattern.callback, ())
        raise LookupError(path)


@functools.cache
def get_resolver(urlconf="tests.client_views.urls"):
    return URLResolver(urlconf)
''',
    "django/test/__init__.py": 'from django.test.client import Client\n',
    "django/test/client.py": '''
from django.core.handlers.base import BaseHandler
from django.core.signals import request_started


class ClientHandler(BaseHandler):
    def __call__(self, environ):
        request_started.send(sender=self.__class__, environ=environ)
        return self.get_response(environ)


class Client:
    def __init__(self, **defaults):
        self.handler = ClientHandler()
        self.defaults = defaults

    def get(self, path, **extra):
        return self.request(PATH_INFO=path, REQUEST_METHOD="GET", **extra)

    def request(self, **request):
        environ = {**self.defaults, **request}
        return self.handler(environ)
''',
    "tests/__init__.py": '',
    "tests/client_views/__init__.py": '',
    "tests/client_views/views.py": '''
from django.http import HttpResponse
from django.test import Client


def nested_view(request):
    """Fetches another page of the same site through the test client."""
    client = Client()
    client.get("/no-template/")
    return HttpResponse("nested page")


def no_template_view(request):
    return HttpResponse("no template used")
''',
    "tests/client_views/urls.py": '''
from django.urls import path

from tests.client_views import views

urlpatterns = [
    path("nested/", views.nested_view),
    path("no-template/", views.no_template_view),
]
''',
}


def test_a_view_calling_the_test_client_does_not_reach_into_the_dispatched_request(scan_files):
    result = scan_files(TEST_CLIENT_TREE, exhaustive=True)
    # the signal's receiver cache is the dispatcher's, filled by the request the client
    # serves, not by the view's own request
    assert [(f.rule, f.symbol) for f in result.findings] == []
    assert verdicts(result) == {"nested_view": "self-contained",
                                "no_template_view": "self-contained"}
