"""Error pages inside the layout, with plain-words advice on what to do next."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: (_l("Something was wrong with that request"),
          _l("Go back, reload the page and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should, contact the council and say which page you were trying to reach.")),
    404: (_l("Page not found"),
          _l("If you typed the web address, check it is correct. If you followed a link, it may be out of date.")),
    405: (_l("Something was wrong with that request"),
          _l("Go back, reload the page and try again.")),
    413: (_l("That file is too large"),
          _l("Go back and choose a smaller file.")),
    429: (_l("Too many attempts"),
          _l("Wait a minute, then try again. This protects your account from people guessing passwords.")),
    500: (_l("Sorry, there is a problem with the service"),
          _l("Try again later. What you had already saved has not been lost.")),
}


def render_error(status: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", status=status, title=title or default_title,
                           message=message or default_message), status


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, _l("This form has expired"),
                            _l("For your security, forms stop working after a while or when sent from "
                               "another site. Go back, reload the page and send the form again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith("/api/"):
            # Programs read the API: they get JSON, with the CORS header the API's answers carry.
            response = jsonify({"error": error.name.lower().replace(" ", "_"), "message": error.description})
            response.status_code = error.code
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response
        if error.code not in MESSAGES:
            return error
        return render_error(error.code)

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return render_error(500)
