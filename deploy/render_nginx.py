#!/usr/bin/env python3
"""Fill in the CHANGE values of deploy/nginx/connected-council.conf: for a real site (print the
site file), or, with --standalone DIR, as a whole nginx.conf that runs as any user from DIR
(the cluster test runs nginx this way, on loopback).

    python3 deploy/render_nginx.py --server-name council.example.org --upstream 127.0.0.1:8001 \\
        --upstream 127.0.0.1:8002 --cert /etc/ssl/cc/fullchain.pem --key /etc/ssl/cc/privkey.pem \\
        --static /srv/connected-council/app/static > /etc/nginx/sites-available/connected-council
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

SITE = Path(__file__).resolve().parent / "nginx" / "connected-council.conf"


def render(*, server_name: str, upstreams: list[str], cert: str, key: str, static: str,
           https_port: int = 443, http_port: int = 80, ipv6: bool = True) -> str:
    text = SITE.read_text()
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    text = re.sub(r"(    server 127\.0\.0\.1:\d+ max_fails=1 fail_timeout=5s;\n)+", servers + "\n", text)
    text = text.replace("server_name council.example.org;", f"server_name {server_name};")
    text = text.replace("/etc/ssl/connected-council/fullchain.pem", cert)
    text = text.replace("/etc/ssl/connected-council/privkey.pem", key)
    text = text.replace("/srv/connected-council/app/static/", static.rstrip("/") + "/")
    text = text.replace("listen 443 ssl http2;", f"listen {https_port} ssl http2;")
    text = text.replace("listen [::]:443 ssl http2;", f"listen [::]:{https_port} ssl http2;" if ipv6 else "")
    text = text.replace("listen 80;", f"listen {http_port};")
    text = text.replace("listen [::]:80;", "listen [::]:%d;" % http_port if ipv6 else "")
    return text


def standalone(site: str, folder: Path, user: str | None = None) -> str:
    """A complete nginx.conf around the site, with every path nginx writes inside `folder` (and
    its workers running as `user`, who must be able to read the static files)."""
    user_line = f"user {user};\n" if user else ""
    return f"""{user_line}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{site}
}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--upstream", action="append", required=True, help="host:port of an app server (repeat)")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--static", required=True, help="the app's static folder")
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--no-ipv6", action="store_true")
    parser.add_argument("--standalone", type=Path, help="write a whole nginx.conf running from this folder")
    parser.add_argument("--user", help="with --standalone: the account nginx's workers run as")
    args = parser.parse_args()
    site = render(server_name=args.server_name, upstreams=args.upstream, cert=args.cert, key=args.key,
                  static=args.static, https_port=args.https_port, http_port=args.http_port, ipv6=not args.no_ipv6)
    print(standalone(site, args.standalone, args.user) if args.standalone else site)


if __name__ == "__main__":
    main()
