"""gunicorn settings for Connected Council. Each app server runs one gunicorn; several sit behind
nginx. Everything here can be overridden from the environment (the systemd unit's EnvironmentFile).

    gunicorn -c deploy/gunicorn.conf.py wsgi:app
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: each request holds a worker; the app does no long polling. Two per core, plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (with jitter, so they do not all restart at once):
# a slow leak in a library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# nginx on the same machine sets X-Forwarded-*; the app trusts PROXY_COUNT hops of them (ProxyFix).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Load the app in each worker, not the master: a worker that dies takes nothing shared with it.
preload_app = False
