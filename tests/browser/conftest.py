"""Browser tests: Debian's Chromium driven by Playwright against a real `hubcity serve`.

Without /usr/bin/chromium the tests skip with a message; under CI (``CI=true``) that is a failure.
Never downloads a browser. Screenshots go to ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hubcity() -> str:
    return str(Path(sys.executable).with_name("hubcity"))


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = "Debian's Chromium is not installed (apt-get install -y chromium fonts-noto-cjk)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot be skipped under CI: {message}")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the live server's `hubcity` commands (its data directory and database)."""
    data_dir = tmp_path_factory.mktemp("live")
    return {
        **os.environ,
        "HUBCITY_DATA_DIR": str(data_dir),
        "HUBCITY_DATABASE_URL": f"sqlite:///{data_dir / 'live.sqlite'}",
        "HUBCITY_ENV": "development",
        "HUBCITY_DEFAULT_LOCALE": "en",
    }


def run_hubcity(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a `hubcity` command against the live server's database (e.g. ``create-staff``)."""
    return subprocess.run([_hubcity(), *args], env=env, check=True, capture_output=True, text=True)


@pytest.fixture(scope="session")
def live_server(live_env: dict[str, str]) -> Iterator[str]:
    """A `hubcity serve` on a free loopback port over a fresh SQLite database (migrated, taxonomies
    seeded, no demo content); yields its base URL."""
    env = live_env
    data_dir = Path(env["HUBCITY_DATA_DIR"])
    subprocess.run([_hubcity(), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([_hubcity(), "seed-taxonomies"], env=env, check=True, capture_output=True)  # as a deployment does
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    server = subprocess.Popen(
        [_hubcity(), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        server.terminate()
        raise RuntimeError(f"hubcity serve did not answer: {(data_dir / 'server.log').read_text()[-2000:]}")
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def browser(chromium_path: Path) -> Iterator[object]:
    """Debian's Chromium under Playwright, for tests that open several contexts (one per person)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
