"""gunicorn entry point: ``gunicorn -w 4 shop.wsgi:app``."""

from __future__ import annotations

from flask import jsonify

from . import __version__, create_app
from .catalog import TAX_BY_REGION

app = create_app()


@app.get("/version")
def version():
    return jsonify(version=__version__)


@app.get("/tax-regions")
def tax_regions():
    return jsonify({region: str(rate) for region, rate in TAX_BY_REGION.items()})
