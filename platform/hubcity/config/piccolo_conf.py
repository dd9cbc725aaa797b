"""Piccolo's configuration module (``PICCOLO_CONF=hubcity.config.piccolo_conf``).

``DB`` is built from the settings at import; :func:`hubcity.db.engine.use_database` replaces it
when the application or a test binds another database, so Piccolo's own migration machinery
(which looks ``DB`` up here on every call) follows.
"""

from piccolo.conf.apps import AppRegistry

from hubcity.config.settings import get_settings
from hubcity.db.engine import build_engine

DB = build_engine(get_settings().resolved_database_url)

APP_REGISTRY = AppRegistry(apps=["hubcity.db.piccolo_app"])
