"""A pytest plugin for scripts/peer-suite.sh: before each test, put the
standalone fake-ec2 back to its seed (POST /_fake/reset), as a peer's
suite expects a fresh account per test."""

import os
import urllib.request

import pytest


@pytest.fixture(autouse=True)
def _fresh_fake():
    endpoint = os.environ["TEST_SERVER_MODE_ENDPOINT"]
    req = urllib.request.Request(f"{endpoint}/_fake/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).read()
    yield
