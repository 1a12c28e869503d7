"""POST /token (RFC 6749): exchange a code or a refresh token; the client authenticated first."""

import base64
import binascii
import urllib.parse
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.account_linking import grants
from functions.account_linking.answers import Response, json_answer
from functions.account_linking.grants import OAuthError, Replay
from functions.account_linking.linking import Linking
from functions.account_linking.throttle import FAILURE_WINDOW, TOKEN_SOURCE_LIMIT, counter_key
from functions.core import logs, tokens
from functions.core.config import Config


def _client(form: Mapping[str, str], authorization: str | None) -> tuple[str, str]:
    """Client credentials from HTTP Basic (RFC 6749 2.3.1) or the form, not both."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        if form.get("client_secret"):
            raise OAuthError("invalid_request", "client authenticated twice")
        try:
            pair = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "malformed Basic credentials", 401) from None
        client_id, _, secret = pair.partition(":")
        return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _error(error: OAuthError) -> Response:
    logs.warning("token request refused", error=error.error, reason=error.description)
    basic = {"WWW-Authenticate": 'Basic realm="account linking"'} if error.status == 401 else {}
    return json_answer(
        error.status, {"error": error.error, "error_description": error.description}, basic
    )


def token(
    linking: Linking,
    form: Mapping[str, str],
    authorization: str | None,
    source: str,
    now: datetime,
) -> Response:
    """Authenticate the client first (constant time, no I/O). A failure is counted against the
    source address only, whatever client id the request names; a correctly authenticated
    client is never throttled, so nobody without the secret can deny Google service."""
    records, config = linking.records, linking.config
    try:
        client_id, secret = _client(form, authorization)
        grants.check_client(client_id, secret, config.oauth_client_id, config.oauth_client_secret)
    except OAuthError as error:
        counters = {counter_key("token-source", source): TOKEN_SOURCE_LIMIT}
        if not records.reserve(counters, now, FAILURE_WINDOW):
            logs.warning("token refused: too many failed client authentications")
            return json_answer(
                429,
                {
                    "error": "invalid_client",
                    "error_description": "too many failed attempts; retry later",
                },
                {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))},
            )
        return _error(error)
    try:
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            issued = _exchange_code(linking, form, client_id, now)
        elif grant_type == "refresh_token":
            issued = _refresh(linking, form, client_id, now)
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        else:
            raise OAuthError("unsupported_grant_type", "this grant_type is not supported")
    except OAuthError as error:
        if isinstance(error, Replay):
            revoked = records.revoke_grant(error.grant_id)
            logs.warning("replayed grant revoked", revokedTokens=revoked)
        return _error(error)
    return json_answer(200, issued.answer())


def _issue(config: Config, record: dict[str, Any], client_id: str, now: datetime) -> grants.Issued:
    """Fresh tokens for the grant a code or refresh token belongs to."""
    return grants.issue(
        record["userId"],
        client_id,
        record["grantId"],
        now=now,
        access_ttl=timedelta(seconds=config.access_token_ttl_seconds),
        refresh_ttl=timedelta(days=config.refresh_token_ttl_days),
        signer=config.signer(),
    )


def _exchange_code(
    linking: Linking, form: Mapping[str, str], client_id: str, now: datetime
) -> grants.Issued:
    code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    code_hash = tokens.token_hash(code)
    found = linking.records.code(code_hash)
    if found is None:
        raise OAuthError("invalid_grant", "unknown authorization code")
    issued = _issue(linking.config, found, client_id, now)
    linking.records.exchange_code(
        code_hash, lambda record: grants.check_code(record, client_id, redirect_uri, now), issued
    )
    logs.info("code exchanged", user=logs.user_ref(found["userId"]))
    return issued


def _refresh(
    linking: Linking, form: Mapping[str, str], client_id: str, now: datetime
) -> grants.Issued:
    refresh_token = form.get("refresh_token", "")
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    refresh_hash = tokens.token_hash(refresh_token)
    found = linking.records.token(refresh_hash)
    if found is None or found.get("kind") != grants.REFRESH:
        raise OAuthError("invalid_grant", "unknown refresh token")
    issued = _issue(linking.config, found, client_id, now)
    linking.records.rotate_refresh(
        refresh_hash,
        lambda record, successor: grants.check_refresh(record, successor, client_id, now),
        issued,
        tokens.token_hash(issued.refresh_token),
        now,
    )
    logs.info("token refreshed", user=logs.user_ref(found["userId"]))
    return issued
