"""The http-request node's address policy alone: which resolved addresses a request may reach."""

from __future__ import annotations

import ipaddress

import pytest
from riverflow.orchestrator.tasks.http_request.address_guard import AddressNotAllowed, AddressPolicy


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(AddressNotAllowed):
        AddressPolicy().check("target", [ipaddress.ip_address(address)])


def test_public_addresses_pass_and_every_address_counts() -> None:
    policy = AddressPolicy()
    policy.check(
        "example.com", [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("2606:4700::1111")]
    )
    with pytest.raises(AddressNotAllowed):  # one private answer among public ones is enough
        policy.check("mixed.example", [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.1.1.1")])


def test_the_allow_list() -> None:
    policy = AddressPolicy(allowed_hosts=("10.0.0.0/8", "*.internal.example", "db.local", "::1"))
    policy.check("anything", [ipaddress.ip_address("10.9.8.7")])
    policy.check("api.internal.example", [ipaddress.ip_address("192.168.0.1")])
    policy.check("DB.local.", [ipaddress.ip_address("192.168.0.2")])
    policy.check("six", [ipaddress.ip_address("::1")])
    with pytest.raises(AddressNotAllowed):
        policy.check("other", [ipaddress.ip_address("192.168.0.1")])
    AddressPolicy(allow_private=True).check("x", [ipaddress.ip_address("127.0.0.1")])
