import socket

import pytest

from tests.conftest import NetworkRefused


def test_connections_beyond_loopback_are_refused():
    with socket.socket() as sock, pytest.raises(NetworkRefused, match="loopback"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_loopback_connections_are_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
