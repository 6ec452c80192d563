"""What a person can type, generated (issue 13: hypothesis for the validators and money parsing): whatever the
text, each reader of input answers within its rules or refuses with its own error, never anything else."""

import ipaddress
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import money
from portal.blueprints.pages import safe_next
from portal.domain.throttle import address_group
from portal.ids import ID_MAX, IdConverter, parse_id
from portal.paging import MAX_PAGE, page_number

BOUNDED = settings(max_examples=300, deadline=None)
ID_PATTERN = re.compile(IdConverter.regex + r"\Z")


@BOUNDED
@given(st.text(max_size=40))
def test_parse_amount_answers_an_amount_or_its_own_error(text):
    for currency in ("XOF", "EUR"):
        try:
            amount = money.parse_amount(text, currency)
        except money.MoneyError:
            continue
        assert amount > 0 and amount.adjusted() < money.MAX_INTEGER_DIGITS
        assert -amount.as_tuple().exponent == money.decimals_of(currency)


@BOUNDED
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2))
def test_parse_amount_keeps_every_euro_cent(amount):
    assert money.parse_amount(str(amount), "EUR") == amount


@BOUNDED
@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_whole_francs_are_read_as_they_are_and_never_with_decimals(francs):
    assert money.parse_amount(str(francs), "XOF") == francs
    with pytest.raises(money.MoneyError):
        money.parse_amount(f"{francs}.5", "XOF")


@BOUNDED
@given(st.one_of(st.text(max_size=30), st.integers(min_value=-(10**20), max_value=10**20).map(str)))
def test_parse_id_answers_an_id_in_range_or_nothing(text):
    found = parse_id(text)
    assert found is None or 1 <= found <= ID_MAX
    if text.isascii() and text.isdigit() and 1 <= int(text) <= ID_MAX:
        assert found == int(text)


@BOUNDED
@given(st.integers(min_value=-10, max_value=10**12))
def test_the_id_converter_matches_exactly_the_ids_in_range(number):
    assert bool(ID_PATTERN.match(str(number))) == (1 <= number <= ID_MAX)


@BOUNDED
@given(st.text(max_size=20))
def test_a_page_number_is_always_in_range(text):
    assert 1 <= page_number(text) <= MAX_PAGE


@BOUNDED
@given(st.ip_addresses(v=6))
def test_an_ipv6_client_counts_for_its_slash_64(address):
    group = address_group(str(address))
    if address.ipv4_mapped is not None:
        assert group == str(address.ipv4_mapped)
    else:
        network = ipaddress.ip_network(group)
        assert network.prefixlen == 64 and address in network


@BOUNDED
@given(st.text(max_size=60))
def test_next_is_a_local_path_a_header_can_carry_or_the_fallback(target):
    chosen = safe_next(target, "/")
    assert chosen == "/" or (
        chosen == target
        and chosen.startswith("/")
        and not chosen.startswith("//")
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in chosen)
    )
