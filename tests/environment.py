"""Loaded by pytest (``-p tests.environment``) before Django reads its settings."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
