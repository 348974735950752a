"""Connected Council: the app factory."""
from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import INSTANCE_DIR, Config
from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate


def create_app(config: type[Config] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config or Config)
    _refuse_default_secrets(app)
    INSTANCE_DIR.mkdir(exist_ok=True)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    app.logger.setLevel(logging.INFO)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message_category = "info"

    from app.core import web
    from app.core.i18n import install as install_i18n

    from app.core.publication import install as install_publication

    install_i18n(app, babel)
    install_publication(app)
    web.install(app)
    _enable_sqlite_wal(app)

    from app.core import bp as core_bp
    from app.core.errors import install as install_errors
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)

    from app.contracts import bp as contracts_bp

    app.register_blueprint(contracts_bp)

    from app.ideas import bp as ideas_bp

    app.register_blueprint(ideas_bp)

    from app.consultations import bp as consultations_bp

    app.register_blueprint(consultations_bp)

    from app.opendata import api_bp as opendata_api_bp, bp as opendata_bp

    app.register_blueprint(opendata_bp)
    app.register_blueprint(opendata_api_bp)

    from app.budgeting import bp as budgeting_bp

    app.register_blueprint(budgeting_bp)
    from app.timeline import bp as timeline_bp

    app.register_blueprint(timeline_bp)
    from app.kiosk import bp as kiosk_bp, help_bp
    from app.kiosk.session import install as install_kiosk_session

    app.register_blueprint(kiosk_bp)
    app.register_blueprint(help_bp)
    install_kiosk_session(app)
    from app.services import bp as services_bp

    app.register_blueprint(services_bp)
    from app.caseflags import bp as caseflags_bp

    app.register_blueprint(caseflags_bp)
    from app.tenders import bp as tenders_bp

    app.register_blueprint(tenders_bp)
    install_errors(app)

    from app.core.access import public

    public(app.view_functions["static"])

    from app.core.cli import register as register_cli

    register_cli(app)
    if app.config["JOBS_THREAD"] and not app.testing:
        from app.core.jobs import start_background_thread

        start_background_thread(app)
    return app


def _refuse_default_secrets(app: Flask) -> None:
    """Outside development, the well-known default keys would let anyone forge a session or
    re-chain the audit log: refuse to start rather than run like that."""
    from app.config import DEFAULT_SECRETS

    if app.config["ENVIRONMENT"] == "development" or app.testing:
        return
    weak = [name for name, value in DEFAULT_SECRETS.items() if app.config.get(name) in (None, "", value)]
    if weak:
        raise RuntimeError(f"Set {' and '.join(weak)} in the environment (long random values), "
                           "or CC_ENV=development on a laptop.")


def _enable_sqlite_wal(app: Flask) -> None:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def set_sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            if app.config["SQLALCHEMY_DATABASE_URI"] not in ("sqlite://", "sqlite:///:memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
