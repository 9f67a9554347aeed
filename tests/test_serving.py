"""The documented limits hold on the default install: the app served exactly as `make run`
serves it (the Makefile's own gunicorn command, on a free port), without Redis."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ORIGIN
from tests.test_scaleout import ROOT, call, create_site, free_port, running, sqlite_instance


def make_run_command(port: int) -> list[str]:
    """The gunicorn command `make run` runs, as make prints it."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in printed.splitlines() if "/gunicorn " in line)
    return shlex.split(line)


@contextlib.contextmanager
def served_as_make_run(env: dict):
    port = free_port()
    server = subprocess.Popen(make_run_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    with running(server, f"http://127.0.0.1:{port}") as url:
        yield url


def statuses(requests: list[urllib.request.Request]) -> list[int]:
    """Sent a few at a time, as browsers do: every process and thread of the server takes some.
    (A limit's window opens at its first hit, so a burst of a few seconds is all in one.)"""
    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(status_of, requests))


def status_of(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def default_install(tmp_path_factory):
    env, flask = sqlite_instance(tmp_path_factory.mktemp("serving"))
    key = create_site(flask, env, "Served")
    with served_as_make_run(env) as url:
        yield url, key


def test_make_run_holds_the_answer_limit_whatever_the_user_agent(default_install):
    url, key = default_install
    codes = statuses(
        [
            urllib.request.Request(
                f"{url}/api/v1/sites/{key}/responses",
                data=json.dumps({"score": 10}).encode(),
                headers={"Content-Type": "application/json", "Origin": ORIGIN, "User-Agent": f"browser-{n}"},
                method="POST",
            )
            for n in range(45)
        ]
    )
    assert codes.count(201) == 30 and codes.count(429) == 15  # PLAUDIT_SUBMIT_LIMIT: 30/minute
    nps = call(f"{url}/api/v1/sites/{key}/nps")[2]
    assert nps["total"] == 30


def test_make_run_holds_the_login_limit(default_install):
    url, _ = default_install
    with urllib.request.urlopen(url + "/admin/login", timeout=10) as page:
        cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("session=")).split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    codes = statuses(
        [
            urllib.request.Request(
                url + "/admin/login",
                # A new e-mail each time: only the per-address limit is at stake here.
                data=urllib.parse.urlencode(
                    {"csrf_token": token, "email": f"guess{n}@example.org", "password": "wrong"}
                ).encode(),
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                method="POST",
            )
            for n in range(25)
        ]
    )
    assert codes.count(401) == 10 and codes.count(429) == 15  # PLAUDIT_LOGIN_LIMIT: 10/minute
