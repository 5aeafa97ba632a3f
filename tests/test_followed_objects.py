"""Objects followed through the shapes services use to pick and keep them.

Each test is a small service: a storage class picked from a module-level table by a
configuration value and called on the spot; a singleton a class builds lazily the first
time a request asks for it; a function handed to a library at import time that the library
calls later, while requests are served; a start-up singleton that a shutdown handler only
flags. Each has a look-alike that must stay quiet, and the quiet tests also prove the
handler was found.
"""

from __future__ import annotations

import pytest

from statelint.model import ScanResult


def findings_of(result: ScanResult) -> list[tuple[str, str, int]]:
    return [(finding.rule, finding.path, finding.line) for finding in result.findings]


def verdicts_of(result: ScanResult) -> dict[str, str]:
    return {v.handler.name: v.verdict for v in result.verdicts}


# -- a class picked from a table and called on the spot -----------------------------------

MEDIA_STORAGE = '''
import os

import boto3
from flask import current_app


class LocalStorage:
    def __init__(self, root=None):
        self.root = root or current_app.config.get("MEDIA_ROOT", "media")

    def save(self, name, stream):
        target = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(stream.read())
        return name


class BucketStorage:
    def __init__(self):
        self.bucket = current_app.config["MEDIA_BUCKET"]
        self.client = boto3.client("s3")

    def save(self, name, stream):
        self.client.upload_fileobj(stream, self.bucket, name)
        return name


STORAGES = {"local": LocalStorage, "bucket": BucketStorage}


def get_storage():
    return {pick}
'''

MEDIA_VIEWS = '''
from flask import Blueprint, request

from media.storage import get_storage

bp = Blueprint("media", __name__)


@bp.post("/media/<name>")
def upload(name):
    get_storage().save(name, request.files["file"].stream)
    return "", 201
'''

PICKS = [
    'STORAGES.get(current_app.config.get("MEDIA_BACKEND") or "local")()',
    'STORAGES[current_app.config.get("MEDIA_BACKEND", "local")]()',
    'STORAGES.get(current_app.config.get("MEDIA_BACKEND"), LocalStorage)()',
]


@pytest.mark.parametrize("pick", PICKS)
def test_a_class_picked_from_a_table_and_called_runs_its_methods(scan_files, pick) -> None:
    """``STORAGES.get(name)()``, ``STORAGES[name]()`` and ``STORAGES.get(name, Local)()``
    make an object of one of the classes the table holds: the upload reaches the local
    storage's ``save`` and its write to the local disk."""
    result = scan_files({"media/__init__.py": "",
                         "media/storage.py": MEDIA_STORAGE.replace("{pick}", pick),
                         "media/views.py": MEDIA_VIEWS})
    assert findings_of(result) == [("SL501", "media/storage.py", 14)]
    finding = result.findings[0]
    assert finding.message.startswith("`save` (reached from upload) writes a local file")
    assert [step.message for step in finding.trace][1:] == [
        "calls LocalStorage.save()", "writes a local file: a path it computes"]
    assert verdicts_of(result) == {"upload": "stateful"}


def test_a_table_of_remote_storages_only_is_quiet(scan_files) -> None:
    """The same table without the local class: nothing writes to this machine's disk."""
    storage = (MEDIA_STORAGE.replace("{pick}", PICKS[0])
               .replace('STORAGES = {"local": LocalStorage, "bucket": BucketStorage}',
                        'STORAGES = {"bucket": BucketStorage}'))
    result = scan_files({"media/__init__.py": "", "media/storage.py": storage,
                         "media/views.py": MEDIA_VIEWS})
    assert findings_of(result) == []
    assert verdicts_of(result) == {"upload": "self-contained"}
