"""The container image and docker-compose.yml keep uploads: MEDIA_ROOT is a directory the
non-root user owns, on a named volume (issue 16). Read from the files themselves; the
compose file is validated by `make compose-check`."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = "/app"  # the Dockerfile's WORKDIR


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_image_works_in_app_and_media_root_is_inside_it():
    assert re.search(rf"^WORKDIR {APP_DIR}$", _dockerfile(), re.MULTILINE)
    assert Path(settings.MEDIA_ROOT) == Path(settings.BASE_DIR) / "media"


def test_the_non_root_user_owns_the_media_directory():
    text = _dockerfile()
    chown = re.search(r"chown -R stance ([^\n]+)", text)
    assert chown and "media" in chown.group(1).split()
    assert text.index("chown -R stance") < text.index("USER stance")


def test_uploads_live_on_a_named_volume_mounted_at_media_root():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["web"]["volumes"]
    assert f"media:{APP_DIR}/media" in mounts
    assert "media" in compose["volumes"]
