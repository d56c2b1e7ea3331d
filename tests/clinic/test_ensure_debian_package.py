"""scripts/ensure-debian-package.sh, which `make test` runs for Chromium (and `make
compose-check` for docker-compose): nothing when the command is there; apt-get when it is
missing and the user may install; otherwise one line saying what to run.

Each case runs the real Makefile target and script, copied into a folder of their own,
with a PATH of that folder's stand-ins only: the real Chromium is never on it, and the
stand-in apt-get writes down what it was asked instead of installing anything. The case
of a user who may not install runs as the unprivileged user `nobody`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
NOBODY = 65534
IS_ROOT = os.geteuid() == 0


@pytest.fixture
def box():
    """A folder anyone may use, holding the Makefile, the script and a bin/ for PATH."""
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        (root / "scripts").mkdir()
        shutil.copy(BASE_DIR / "Makefile", root)
        shutil.copy(BASE_DIR / "scripts/ensure-debian-package.sh", root / "scripts")
        (root / "bin").mkdir()
        for tool in ("make", "bash", "env", "true", "chmod"):
            (root / "bin" / tool).symlink_to(shutil.which(tool))
        (root / "apt.log").touch()
        for path in (root, root / "bin", root / "apt.log"):
            path.chmod(0o777)
        yield root


def _stand_in(box: Path, name: str, body: str) -> None:
    path = box / "bin" / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | 0o444)


def _apt_get(box: Path, *, works: bool = True) -> None:
    """apt-get that logs its arguments; `install` puts a `chromium` on PATH when it works."""
    install = f'printf "#!/bin/bash\\n" > {box}/bin/chromium; chmod 755 {box}/bin/chromium'
    _stand_in(
        box,
        "apt-get",
        f'echo "$*" >> {box}/apt.log\n'
        + (f'if [ "$1" = install ]; then {install}; fi' if works else "exit 100"),
    )


def _make(box: Path, *, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    command = ["make", "--no-print-directory", "need-chromium"]
    if as_nobody and IS_ROOT:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to run as nobody")
        command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    return subprocess.run(  # noqa: S603 (our own command line)
        command,
        cwd=box,
        env={"PATH": str(box / "bin"), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_does_nothing_when_chromium_is_there(box):
    _stand_in(box, "chromium", "exit 0")
    _apt_get(box)

    done = _make(box)

    assert done.returncode == 0, done.stderr
    assert done.stdout == done.stderr == ""
    assert (box / "apt.log").read_text() == ""


@pytest.mark.skipif(not IS_ROOT, reason="installs as root")
def test_root_installs_debians_chromium_when_it_is_missing(box):
    _apt_get(box)

    done = _make(box)

    assert done.returncode == 0, done.stderr
    assert "Installing Debian's chromium package" in done.stdout
    assert (box / "apt.log").read_text().splitlines() == [
        "update -qq",
        "install -y -qq chromium",
    ]


@pytest.mark.skipif(not IS_ROOT, reason="installs as root")
def test_it_says_what_to_run_when_the_install_fails(box):
    _apt_get(box, works=False)

    done = _make(box)

    assert done.returncode != 0
    assert "sudo apt-get install -y chromium" in done.stderr.splitlines()[0]


def test_a_user_who_may_not_install_gets_one_line_saying_what_to_run(box):
    _apt_get(box)  # there, but this user may not use it (and there is no sudo)

    done = _make(box, as_nobody=True)

    assert done.returncode != 0
    message, *rest = done.stderr.splitlines()
    assert message == (
        "make test needs Chromium for the browser tests: run "
        "`sudo apt-get install -y chromium`, or `make test-fast` to skip them."
    )
    assert all(line.startswith("make: ***") for line in rest)  # make's own "Error 1"
    assert done.stdout == ""
    assert (box / "apt.log").read_text() == ""


def test_a_user_with_passwordless_sudo_installs_through_it(box):
    _apt_get(box)
    # sudo -n: this stand-in runs the command as asked, as sudo with NOPASSWD would.
    _stand_in(
        box, "sudo", '[ "$1" = -n ] && shift; echo "sudo $*" >> ' + f'{box}/apt.log; exec "$@"'
    )

    done = _make(box, as_nobody=True)

    assert done.returncode == 0, done.stderr
    log = (box / "apt.log").read_text().splitlines()
    assert "install -y -qq chromium" in log
    assert "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium" in log
