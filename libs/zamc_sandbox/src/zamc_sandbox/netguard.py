"""Proof that nothing leaves loopback: a Python-level connect guard and a /proc scan for C-level sockets."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager


class NetworkEscape(AssertionError):
    pass


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, str | bytes)  # AF_UNIX paths stay on the machine


@contextmanager
def loopback_only() -> Iterator[list[object]]:
    """Any Python socket connect to a non-loopback address raises NetworkEscape; yields the attempts."""
    attempts: list[object] = []
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        if not _is_loopback(address):
            raise NetworkEscape(f"connect to {address!r} leaves loopback")
        return original_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        attempts.append(address)
        if not _is_loopback(address):
            raise NetworkEscape(f"connect_ex to {address!r} leaves loopback")
        return original_connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield attempts
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]


def _own_socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _decode(hex_address: str) -> str:
    host, _ = hex_address.split(":")
    if len(host) == 8:
        return str(ipaddress.IPv4Address(bytes.fromhex(host)[::-1]))
    words = [bytes.fromhex(host[i : i + 8])[::-1] for i in range(0, 32, 8)]
    return str(ipaddress.IPv6Address(b"".join(words)))


def remote_peers_of_this_process() -> set[str]:
    """Remote addresses of every TCP socket this process owns (including grpc's C-core sockets)."""
    inodes = _own_socket_inodes()
    peers = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[9] in inodes and parts[3] != "0A":  # 0A = LISTEN
                peers.add(_decode(parts[2]))
    return peers


def non_loopback_peers() -> set[str]:
    out = set()
    for peer in remote_peers_of_this_process():
        address = ipaddress.ip_address(peer)
        mapped = getattr(address, "ipv4_mapped", None)
        if not (address.is_loopback or address.is_unspecified or (mapped and mapped.is_loopback)):
            out.add(peer)
    return out
