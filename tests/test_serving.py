"""How the portal is served (issue 13, hole 12): gunicorn, started from the checkout, refuses to run without
PORTAL_ENV rather than serve a server with the development defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _check_config(**env) -> subprocess.CompletedProcess:
    """gunicorn loads its configuration and the app, then stops (`--check-config`): no port is opened."""
    base = {k: v for k, v in os.environ.items() if k not in ("PORTAL_ENV", "TEST_DATABASE_URL")}
    return subprocess.run(
        [str(GUNICORN), "--check-config", "wsgi:app"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gunicorn_refuses_to_start_without_portal_env(tmp_path):
    result = _check_config(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode != 0
    assert "PORTAL_ENV is not set" in result.stderr + result.stdout


@pytest.mark.parametrize("environment", ["development", "production"])
def test_gunicorn_starts_when_told_how_it_runs(tmp_path, environment):
    result = _check_config(
        PORTAL_ENV=environment,
        SECRET_KEY="a-secret-for-this-test",
        SENDGRID_API_KEY="SG.test-key",
        TOTP_ENCRYPTION_KEYS="ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert result.returncode == 0, result.stderr
