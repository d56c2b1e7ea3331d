"""Static files as production serves them: `collectstatic` with the app's own storage
(hashed names, gzip and Brotli copies) into a folder of the test's own, then WhiteNoise in
the app's own middleware. The rest of the suite uses the plain storage, which is faster
and never fails on a missing file: hence the check of every `{% static %}` here, since
the manifest storage makes a page naming a missing file fail when debug is off."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

import brotli
import pytest

from clinic import settings as app_settings

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
STATIC_TAG = re.compile(r"{%\s*static\b")
STATIC_LITERAL = re.compile(r"""{%\s*static\s+["']([^"']+)["']\s*%}""")
ONE_YEAR = 365 * 24 * 60 * 60
DECOMPRESS = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """The app's STORAGES and MIDDLEWARE with debug off, after `collectstatic`."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        STORAGES=app_settings.STORAGES,
        MIDDLEWARE=app_settings.MIDDLEWARE,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield root


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_it_serves_hashed_files_compressed_and_cached_for_a_year(production_static, encoding):
    url = staticfiles_storage.url("vendor/bootstrap/bootstrap.min.css")
    assert re.fullmatch(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", url)

    response = Client().get(url, headers={"accept-encoding": encoding})

    assert response.status_code == 200
    assert response["Content-Encoding"] == encoding
    assert response["Content-Type"].startswith("text/css")
    assert "Accept-Encoding" in response["Vary"]
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= ONE_YEAR  # WhiteNoise gives hashed files ten years
    body = b"".join(response.streaming_content)  # reading it to the end closes the file
    original = (Path(settings.BASE_DIR) / "static/vendor/bootstrap/bootstrap.min.css").read_bytes()
    assert DECOMPRESS[encoding](body) == original


def test_every_static_file_the_templates_name_is_in_the_manifest(production_static):
    named: dict[str, Path] = {}
    for template in TEMPLATES_DIR.rglob("*.html"):
        text = template.read_text()
        literals = STATIC_LITERAL.findall(text)
        assert len(literals) == len(STATIC_TAG.findall(text)), (
            f"{template}: give {{% static %}} a quoted path, so that this test can check it"
        )
        named.update(dict.fromkeys(literals, template))

    assert "vendor/bootstrap/bootstrap.min.css" in named
    for name, template in named.items():
        try:
            staticfiles_storage.url(name)
        except ValueError:
            pytest.fail(f"{template.relative_to(TEMPLATES_DIR)} names a missing file: {name}")
