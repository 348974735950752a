"""deploy/README.md followed on loopback (`make test-cluster`): `deploy/install.sh` on a copy of
the code, with a fresh PostgreSQL database, Redis, temporary folders instead of /etc and /var,
and nginx run from its own folder; the systemd units pass `systemd-analyze verify` and each
unit's ExecStart runs (systemd is not PID 1 here); the README's commands run through
`deploy/flask.sh`; and the site answers through nginx with long-cached static files."""
from __future__ import annotations

import getpass
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.cluster.test_cluster import PG, free_port, wait_for_port

# The certificate is self-signed, made by the test: not verifying it is the point, not a slip.
pytestmark = [pytest.mark.cluster, pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]
ROOT = Path(__file__).resolve().parents[2]
DATABASE = "cc_deploy"


def readme_commands() -> list[str]:
    """The shell lines of the README's code blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "deploy" / "README.md").read_text(), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def unit_exec_starts(unit: Path) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]


def unit_environment(unit: Path, instance: str = "") -> dict[str, str]:
    env = {}
    for line in unit.read_text().splitlines():
        if line.startswith("Environment="):
            name, value = line.split("=", 1)[1].split("=", 1)
            env[name] = value.replace("%i", instance)
    return env


def env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deploy")
    home = folder / "srv"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    for name in files:  # the code as a clone has it: no virtual environment, no node_modules
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, home / name)
    admin = create_engine(make_url(PG).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    ports = [free_port(), free_port()]
    settings = {"CC_HOME": str(home), "CC_USER": getpass.getuser(), "CC_DATA": str(folder / "data"),
                "CC_ENV_FILE": str(folder / "etc" / "env"), "CC_PORTS": " ".join(map(str, ports)),
                "CC_DATABASE_URL": make_url(PG).set(database=DATABASE).render_as_string(hide_password=False),
                "CC_REDIS_URL": "redis://127.0.0.1:6379/12", "CC_SYSTEMD_DIR": str(folder / "systemd"),
                "CC_NGINX_STANDALONE": str(folder / "nginx"), "CC_CERT": str(folder / "cert.pem"),
                "CC_KEY": str(folder / "key.pem"), "CC_HTTPS_PORT": str(free_port()), "CC_HTTP_PORT": str(free_port()),
                "CC_DOMAIN": "127.0.0.1", "CC_SKIP_APT": "1", "CC_NO_SYSTEMCTL": "1",
                "PATH": os.environ["PATH"] + ":/usr/sbin"}
    done = subprocess.run(["bash", str(home / "deploy" / "install.sh")], env={**os.environ, **settings},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    processes = []
    yield {"folder": folder, "home": home, "settings": settings, "ports": ports, "processes": processes}
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def test_the_units_verify_and_their_commands_run(installed):
    units = sorted((installed["folder"] / "systemd").iterdir())
    assert {u.name for u in units} >= {"connected-council@.service", "connected-council-worker.service",
                                       "connected-council-jobs.service", "connected-council-jobs.timer",
                                       "connected-council-daily.service", "connected-council-daily.timer"}
    verified = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    base_env = {**os.environ, **env_file(Path(installed["settings"]["CC_ENV_FILE"]))}
    home = str(installed["home"])
    for unit in units:
        if not unit.name.endswith(".service"):
            continue
        for command in unit_exec_starts(unit):
            if unit.name == "connected-council@.service":
                continue  # started below, once per port
            if command.endswith("jobs worker"):
                worker = subprocess.Popen(shlex.split(command), cwd=home, env={**base_env, **unit_environment(unit)},
                                          start_new_session=True)
                time.sleep(4)
                assert worker.poll() is None, "the worker stopped by itself"
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(10)
                continue
            ran = subprocess.run(shlex.split(command), cwd=home, env={**base_env, **unit_environment(unit)},
                                 capture_output=True, text=True)
            assert ran.returncode == 0, (unit.name, command, ran.stdout + ran.stderr)
    assert any((Path(installed["settings"]["CC_DATA"]) / "backups").iterdir())  # the daily unit's backup


def test_the_readme_brings_up_a_working_site(installed):
    settings, home = installed["settings"], installed["home"]
    app_unit = installed["folder"] / "systemd" / "connected-council@.service"
    base_env = {**os.environ, **env_file(Path(settings["CC_ENV_FILE"]))}
    for port in installed["ports"]:
        (command,) = unit_exec_starts(app_unit)
        installed["processes"].append(subprocess.Popen(
            shlex.split(command), cwd=home, start_new_session=True,
            env={**base_env, **unit_environment(app_unit, str(port)), "GUNICORN_ACCESSLOG": "/dev/null"}))
    installed["processes"].append(subprocess.Popen(
        ["nginx", "-c", str(Path(settings["CC_NGINX_STANDALONE"]) / "nginx.conf"), "-g", "daemon off;"],
        start_new_session=True))
    for port in (*installed["ports"], int(settings["CC_HTTPS_PORT"])):
        wait_for_port(port)

    (home / "wards.csv").write_text("code,name,population,deprivation_index\nW1,Afon,4000,0.2\nW2,Bryn,3500,\n")
    site = f"https://127.0.0.1:{settings['CC_HTTPS_PORT']}"
    ran = []
    for line in readme_commands():
        words = shlex.split(line)
        if words[0] in ("apt-get", "git", "cd", "systemctl") or "install.sh" in line:
            continue  # done by the fixture (install.sh, on a copy of the code) or needs systemd as PID 1
        words = [w.replace("https://council.example.org", site).replace("council.example.org", "127.0.0.1")
                 for w in words]
        if words[0] == "deploy/flask.sh":
            if words[1] == "restore":
                continue  # the restore drill is tests/web/test_backup.py (restore needs an empty database)
            if words[1] == "create-admin":
                words += ["--password", "a long enough password 1"]
            done = subprocess.run(["bash", *words], cwd=home, env={**os.environ, **settings}, capture_output=True,
                                  text=True)
        else:
            assert words[0] == "curl", line
            done = subprocess.run(["curl", "-k", *words[1:]], capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stdout + done.stderr)
        ran.append(words[1] if words[0] != "curl" else "curl")
    assert ran == ["create-council", "import-wards", "create-admin", "curl"]

    session = requests.Session()
    session.trust_env, session.verify = False, False
    home_page = session.get(site + "/", timeout=10)
    assert home_page.status_code == 200 and "Glanrafon County Council" in home_page.text
    assert home_page.headers["Strict-Transport-Security"].startswith("max-age=")
    stylesheet = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', home_page.text).group(1)
    static = session.get(site + stylesheet, timeout=10)
    assert static.status_code == 200 and "max-age=31536000" in static.headers["Cache-Control"]
    assert "immutable" in static.headers["Cache-Control"]
    assert session.get(f"http://127.0.0.1:{settings['CC_HTTP_PORT']}/", allow_redirects=False,
                       timeout=10).status_code == 301
