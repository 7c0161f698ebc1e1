"""Unsubscribe tokens round-trip, and any tampering or wrong secret is refused."""

import pytest

from engine.suppression.tokens import MissingSecret, TokenError, secret_from_env, sign, verify


def test_round_trip_lowercases_email() -> None:
    token = sign("c-42", "Ada@Example.COM", b"s3cret")
    assert verify(token, b"s3cret") == ("c-42", "ada@example.com")


def test_wrong_secret_is_refused() -> None:
    token = sign("c-42", "ada@example.com", b"s3cret")
    with pytest.raises(TokenError, match="signature does not match"):
        verify(token, b"other")


def test_tampered_payload_is_refused() -> None:
    payload, signature = sign("c-42", "ada@example.com", b"s3cret").split(".")
    forged = sign("c-43", "ada@example.com", b"s3cret").split(".")[0]
    assert forged != payload
    with pytest.raises(TokenError, match="signature does not match"):
        verify(f"{forged}.{signature}", b"s3cret")


def test_missing_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REKINDLE_TEST_SECRET", raising=False)
    with pytest.raises(MissingSecret, match="REKINDLE_TEST_SECRET is not set"):
        secret_from_env("REKINDLE_TEST_SECRET")


def test_a_token_with_non_ascii_text_is_refused_not_a_type_error() -> None:
    import pytest

    from engine.suppression.tokens import TokenError, verify

    for token in ("aGVsbG8.é", "é.é", "é"):
        with pytest.raises(TokenError, match="token is malformed"):
            verify(token, b"secret")


def test_tokens_are_the_json_and_hmac_of_their_values() -> None:
    """Signing takes shortcuts (a key hashed once, strings written without the JSON encoder): the token is
    still exactly base64url(json.dumps(values)) and its HMAC-SHA256, for any text."""
    import base64
    import hashlib
    import hmac
    import json

    from hypothesis import given
    from hypothesis import strategies as st

    from engine.suppression.tokens import sign_values

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    @given(values=st.lists(st.text() | st.integers(), max_size=3), secret=st.binary(min_size=1, max_size=80))
    def same(values: list, secret: bytes) -> None:
        payload = b64(json.dumps(values, separators=(",", ":")).encode())
        expected = f"{payload}.{b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())}"
        assert sign_values(values, secret) == expected

    same()


def test_an_unsubscribe_token_is_the_signed_json_of_its_two_strings() -> None:
    """`sign` writes the JSON of (customer id, email) itself and keeps the payload as bytes: the token is still
    `sign_values` of the list, which `verify` reads back, and its base64url is the standard library's."""
    import base64

    from hypothesis import given
    from hypothesis import strategies as st

    from engine.suppression.tokens import _b64_bytes, sign_values

    @given(customer_id=st.text(), email=st.text(), secret=st.binary(min_size=1, max_size=80))
    def same(customer_id: str, email: str, secret: bytes) -> None:
        token = sign(customer_id, email, secret)
        assert token == sign_values([customer_id, email.lower()], secret)
        assert verify(token, secret) == (customer_id, email.lower())

    @given(data=st.binary(max_size=200))
    def same_base64(data: bytes) -> None:
        assert _b64_bytes(data) == base64.urlsafe_b64encode(data).rstrip(b"=")

    same()
    same_base64()
