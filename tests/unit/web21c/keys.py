"""A throwaway RSA key pair and self-signed certificate, made with the openssl command line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def make_key_pair(directory: Path, name: str = "app") -> tuple[Path, Path]:
    """(key.pem, cert.pem) in `directory`; skips the test when openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    key, cert = directory / f"{name}-key.pem", directory / f"{name}-cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}.web21c-bridge.test", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert
