"""PasteDeploy entry point: ``[app:main] use = egg:wiki``."""

from pyramid.config import Configurator

from .views.admin import purge_rendered


def main(global_config, **settings):
    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.include(".models")
        config.include(".routes")
        config.add_view(purge_rendered, route_name="purge", request_method="POST", renderer="json")
        config.scan(".views")
    return config.make_wsgi_app()
