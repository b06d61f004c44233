"""`thidua serve`: the HTTP API of CONTRACT.md §3 and the Vietnamese pages, over one store.

`app.py` builds the application (FastAPI, synchronous handlers over the same functions the command
line calls), `api.py` the `/v1` routes, `pages.py` the pages (Jinja2 templates in `templates/`,
one stylesheet in `static/`), `auth.py` signed requests and the `Keys` lookup.
"""
