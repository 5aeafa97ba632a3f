def includeme(config):
    config.add_route("home", "/")
    config.add_route("recent", "/recent")
    config.add_route("page", "/pages/{title}")
    config.add_route("page_edit", "/pages/{title}/edit")
    config.add_route("purge", "/admin/purge")
