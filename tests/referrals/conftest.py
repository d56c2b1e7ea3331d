import pytest


@pytest.fixture(autouse=True)
def _letters_in_a_temporary_folder(settings, tmp_path):
    """Uploaded referral letters go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
