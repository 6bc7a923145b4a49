"""The test servers' ports: never one in use, never one handed out twice, never the kernel's."""

from __future__ import annotations

import socket

import ports


def test_a_port_is_free_outside_the_kernels_range_and_never_handed_out_twice() -> None:
    handed = [ports.free_port() for _ in range(50)]
    assert len(set(handed)) == len(handed)
    assert all(port < ports._ephemeral_low() for port in handed)
    for port in handed[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # free indeed


def test_a_port_someone_listens_on_is_skipped(monkeypatch) -> None:
    spare = ports.free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        candidates = iter([taken, spare])
        monkeypatch.setattr(ports.random, "randint", lambda low, high: next(candidates))
        monkeypatch.setattr(ports, "_reserve", lambda port: True)
        assert ports.free_port() == spare
