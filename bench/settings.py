"""Benchmark settings: the production-like app plus one trivial view used as the framework ceiling."""

from abrazo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MFA_TOTP_INSECURE_BYPASS_CODE = None
