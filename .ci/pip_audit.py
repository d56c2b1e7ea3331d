"""`make audit`: pip-audit over the project's virtualenv, read by a person or by CI.

Fails (exit 1) on any known vulnerability. When pip-audit cannot reach its vulnerability
service (no network, service down), it warns and exits 0: an outage must not block work,
but the warning says plainly that nothing was checked. Packages the service does not
know (our own `stance`, or versions missing from a mirror) are listed as not audited.
"""

from __future__ import annotations

import json
import subprocess
import sys

NETWORK_ERRORS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "ProxyError",
    "NameResolutionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        if any(marker in result.stderr for marker in NETWORK_ERRORS):
            last = result.stderr.strip().splitlines()[-1:] or [""]
            say("WARNING: pip-audit could not reach its vulnerability service;")
            say("WARNING: the dependencies were NOT audited. " + last[0][:300])
            return 0
        sys.stderr.write(result.stderr)
        return result.returncode or 1

    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            say(
                f"VULNERABLE: {dep['name']} {dep['version']}: {vuln['id']}"
                f"{f' ({aliases})' if aliases else ''}; fixed in {fixes}"
            )
    if skipped:
        names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped)
        say(f"Not audited (unknown to the vulnerability service): {names}")
    if audited == 0 and dependencies:
        say("WARNING: the vulnerability service knew none of the installed versions;")
        say("WARNING: nothing was audited (an offline mirror?).")
    say(
        f"pip-audit: {audited} of {len(dependencies)} packages audited, "
        f"{len(vulnerable)} with known vulnerabilities."
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
