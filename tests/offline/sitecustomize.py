"""Refuse every network connection that leaves this machine.

Put this folder on PYTHONPATH and Python imports it at start-up (``sitecustomize``):
any ``connect`` to an address outside the loopback range raises ``OSError``.
The root ``conftest.py`` does this for the Jupyter kernels that nbval starts, so
the test run proves that the default (offline) chapters never use the network.
Jupyter's own kernel sockets use 127.0.0.1 and keep working.
"""
import ipaddress
import socket

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):          # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:                             # a host name: resolving it is already network use
        return False


def _guard(address):
    if not _is_local(address):
        raise OSError(f"network access blocked by tests/offline/sitecustomize.py: connect to {address!r}")


def _connect(self, address):
    _guard(address)
    return _original_connect(self, address)


def _connect_ex(self, address):
    _guard(address)
    return _original_connect_ex(self, address)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
