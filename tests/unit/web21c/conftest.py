from __future__ import annotations

import pytest

from tests.unit.web21c.keys import make_key_pair


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory):
    return make_key_pair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def other_key_pair(tmp_path_factory):
    return make_key_pair(tmp_path_factory.mktemp("other-keys"), "intruder")
