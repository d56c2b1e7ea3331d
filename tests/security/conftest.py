"""Fixtures of the security tests: `shared_scene`, one clinical world per test module, and
`sessions`, a logged-in session per persona in it (tests/security/scene.py)."""

from tests.security.scene import sessions, shared_scene

__all__ = ["sessions", "shared_scene"]
