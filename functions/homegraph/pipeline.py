"""on_device_change: keep Home Graph in step with Firestore, one Pub/Sub message at a time.

Request Sync (async) is coalesced per user: a sync sent at time T covers every change committed
before T, so later messages for earlier changes are dropped, and sends are spaced by a minimum
interval. Report State goes through a per-user outbox and a per-user lease: one sender at a time
reports everything pending in one call, so piled-up states fold and versions never go back. A
state message stands for every state staged before its sender's turn began (on_device_written
publishes one message per turn, not one per write: see ``FirestoreLedger.stage_for_report``), so a
turn reports everything pending when it began, then whatever arrives while it runs, and hands the
rest to the next message. Every call first takes its place in the project's budget of Home Graph
calls (quota.py); when the budget is tight, a turn waits, and its next call folds more.
A message is acknowledged only once its effect is done, covered, or impossible (logged at ERROR).
"""

import base64
import binascii
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from functions.core import logs, retry
from functions.core.config import Config
from functions.homegraph.calls import SECOND, OverBudget, Redeliver, call_homegraph
from functions.homegraph.client import HomeGraph, HomeGraphError
from functions.homegraph.ledger import ACQUIRED, UNLINKED, Ledger, Pending
from functions.homegraph.quota import REPORT, SYNC, CallBudget

if TYPE_CHECKING:
    from functions.homegraph.records import Records

ANNOUNCEMENTS = {"followup": "commandId", "notification": "eventId"}
"""Message kinds that announce something to the user, and the id each carries."""
SYNC_CLAIM_SECONDS = 180
"""How long a planned Request Sync stays claimed by its message (its wait, retries and budget
waits included); a claim that outlives a dead sender only delays the next plan."""
RENEW_SECONDS = 5
"""A turn waiting for room in the budget renews its lease at least this often."""
LEASE_MARGIN_SECONDS = 10
FLUSH_SECONDS = 40
SYNC_SETTLE_SECONDS = 120
"""After a Request Sync, Google may refuse states of a new trait until its SYNC is done."""


@dataclass
class Pipeline:
    """The dependencies of on_device_change; ``budget`` defaults to this instance's share of the
    project's budget, counted in the ledger."""

    ledger: Ledger
    homegraph: Callable[[], HomeGraph]
    config: Config
    clock: Callable[[], int] = time.time_ns
    sleep: Callable[[float], None] = time.sleep
    budget: CallBudget | None = None
    records: "Records | None" = None
    """Command records and device events (follow-ups, notifications, the sweep)."""

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = CallBudget(
                self.ledger,
                self.config.homegraph_calls_per_minute,
                self.config.homegraph_request_sync_share,
                clock=self.clock,
                sleep=self.sleep,
            )

    @property
    def lease(self) -> int:
        """How long a report lease lasts (ns): longer than a live sender ever goes without
        renewing it (one Home Graph call and one retry wait, the minimum interval between
        calls, one slice of a budget wait), so that only a dead sender's lease runs out, and
        soon: its successor waits no longer than this."""
        config = self.config
        silent = (
            config.homegraph_timeout_seconds
            + min(retry.MAX_DELAY, config.homegraph_retry_seconds)
            + config.report_state_min_interval_seconds
            + RENEW_SECONDS
        )
        return int((silent + LEASE_MARGIN_SECONDS) * SECOND)

    def take(self, kind: str, until: int, renew: Callable[[], None] | None = None) -> bool:
        """A place in the budget before ``until``; ``renew`` is called every RENEW_SECONDS of
        waiting."""
        assert self.budget is not None
        return self.budget.take(kind, until, renew, RENEW_SECONDS * SECOND)


def handle_change(pipeline: Pipeline, message: dict[str, Any], now: datetime | None = None) -> None:
    """Process one Pub/Sub message (the ``message`` object of a messagePublished event)."""
    from functions.homegraph import deliver

    logs.reset()
    message_id = str(message.get("messageId") or message.get("message_id") or "")
    logs.bind(messageId=message_id)
    published = _publish_time(message)
    age = ((now or datetime.now(UTC)) - published).total_seconds() if published else 0
    if (message.get("attributes") or {}).get("kind") == "sweep" and pipeline.records and message_id:
        deliver.sweep(pipeline, pipeline.records, message_id)
        return
    data = _data(message)
    if data is None or not message_id:
        logs.error("malformed message; dropped", content=_printable(message))
        return
    logs.bind(user=logs.user_ref(data["agentUserId"]), deviceId=data["deviceId"], kind=data["kind"])
    try:
        if data["kind"] == "sync":
            request_sync(pipeline, data["agentUserId"], data["changedAt"], message_id)
        elif data["kind"] in ANNOUNCEMENTS:
            if pipeline.records is None:
                raise Redeliver("this instance cannot read command records and events")
            deliver.deliver(pipeline, pipeline.records, data, message_id)
        else:
            report_state(pipeline, data, message_id)
    except Redeliver as error:
        if age <= pipeline.config.max_event_age_seconds:
            raise
        logs.error(
            "message too old to retry; dropped",
            reason=str(error),
            ageSeconds=age,
            content=_printable(message),
        )


def _data(message: dict[str, Any]) -> dict[str, Any] | None:
    """The message's JSON data if it is a well-formed sync or state message."""
    try:
        data = json.loads(base64.b64decode(message.get("data") or "", validate=True))
    except (binascii.Error, ValueError, TypeError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("agentUserId"), str)
        or not (isinstance(data.get("deviceId"), str))
    ):
        return None
    if data.get("kind") == "sync" and isinstance(data.get("changedAt"), int):
        return data
    key = ANNOUNCEMENTS.get(str(data.get("kind")))
    if key and isinstance(data.get(key), str) and data[key]:
        return data
    if (
        data.get("kind") == "state"
        and isinstance(data.get("version"), int)
        and isinstance(data.get("states"), dict)
    ):
        return data
    return None


def _publish_time(message: dict[str, Any]) -> datetime | None:
    raw = message.get("publishTime") or message.get("publish_time")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


def _printable(message: dict[str, Any]) -> str:
    return json.dumps(message, default=str)[:4096]


def _new_user(pipeline: Pipeline, user_id: str) -> bool:
    """True while Home Graph may not know a freshly linked user yet (its 404s are transient)."""
    linked = pipeline.ledger.linked_at(user_id)
    grace = pipeline.config.new_user_grace_seconds * SECOND
    return linked is not None and pipeline.clock() - linked < grace


def request_sync(pipeline: Pipeline, user_id: str, changed_at: int, message_id: str) -> None:
    """Ask Google to SYNC the user, unless a sent or planned Request Sync covers the change."""
    interval = int(pipeline.config.request_sync_min_interval_seconds * SECOND)
    at = pipeline.ledger.claim_sync(
        user_id,
        changed_at,
        now=pipeline.clock(),
        interval=interval,
        claimant=message_id,
        lease=SYNC_CLAIM_SECONDS * SECOND,
    )
    if at is None:
        logs.info("request sync covered (or user unlinked); nothing sent")
        return
    wait = (at - pipeline.clock()) / SECOND
    if wait > 0:
        pipeline.sleep(wait)
    sent_at = pipeline.clock()
    try:
        call_homegraph(pipeline, SYNC, lambda: pipeline.homegraph().request_sync(user_id))
    except OverBudget as error:
        pipeline.ledger.release_sync(user_id, message_id)
        raise Redeliver(str(error)) from error
    except HomeGraphError as error:
        pipeline.ledger.release_sync(user_id, message_id)
        if error.not_found and not _new_user(pipeline, user_id):
            pipeline.ledger.set_unlinked(user_id, pipeline.ledger.linked_at(user_id))
            pipeline.ledger.drop_pending(user_id)
            logs.warning("Home Graph does not know the user; marked unlinked")
            return
        if error.retryable or error.not_found:
            raise Redeliver(f"request sync failed: {error}") from error
        logs.error("request sync refused; not retried", status=error.status, reason=error.reason)
        return
    pipeline.ledger.finish_sync(user_id, message_id, sent_at)
    logs.info("request sync sent")


class UserUnlinked(Exception):
    """Home Graph does not know the user (after the new-user grace period)."""


def report_state(pipeline: Pipeline, data: dict[str, Any], message_id: str) -> None:
    """Make sure Home Graph has this device state (or a newer one), and every state staged
    before this sender's turn began, before acknowledging."""
    user_id, device_id, version = data["agentUserId"], data["deviceId"], data["version"]
    if not pipeline.ledger.stage_state(user_id, device_id, version, data["states"]):
        logs.info("state already reported", version=version)
    turn = ReportTurn(pipeline, user_id, f"{message_id}/{uuid.uuid4().hex[:12]}")
    deadline = pipeline.clock() + pipeline.lease + 2 * SECOND
    while True:
        status = turn.acquire()
        if status == UNLINKED:
            pipeline.ledger.drop_pending(user_id)
            logs.info("user not linked; pending states dropped")
            return
        if status == ACQUIRED:
            try:
                done = turn.flush()
            except UserUnlinked:
                return
            finally:
                pipeline.ledger.release_report_lease(user_id, turn.holder, turn.sent)
            if done:
                return
            raise Redeliver("states pending at the start of this turn are not all reported")
        if pipeline.clock() > deadline:
            raise Redeliver("another sender holds the user's report lease")
        pipeline.sleep(0.2)


@dataclass
class ReportTurn:
    """One sender's turn at a user's Report State: it holds the user's lease while it reports
    everything pending, in calls spaced by the minimum interval."""

    pipeline: Pipeline
    user_id: str
    holder: str
    sent: int = 0
    linked_at: int = 0
    sync_requested: bool = False

    def acquire(self) -> str:
        """Take or renew the lease; learn when the last report was sent and when the user
        linked."""
        ledger, clock = self.pipeline.ledger, self.pipeline.clock
        status, sent, linked_at = ledger.acquire_report_lease(
            self.user_id, self.holder, clock(), self.pipeline.lease
        )
        self.sent, self.linked_at = max(self.sent, sent), linked_at
        return status

    def renew(self) -> None:
        """Renew the lease, or stop the turn when another sender took it over."""
        if self.acquire() != ACQUIRED:
            raise Redeliver("lost the user's report lease")

    def flush(self) -> bool:
        """Report everything pending, call after call (each one folding all that is pending),
        until nothing is left or the turn's time is up; True when every state pending as the
        turn began is reported or superseded (newer ones belong to the message published after
        the turn began)."""
        pipeline, ledger = self.pipeline, self.pipeline.ledger
        interval = int(pipeline.config.report_state_min_interval_seconds * SECOND)
        stop = pipeline.clock() + FLUSH_SECONDS * SECOND
        pending = ledger.pending(self.user_id, self.linked_at)
        owed = {device_id: version for device_id, (version, _) in pending.items()}
        while pending and pipeline.clock() < stop:
            wait = (self.sent + interval - pipeline.clock()) / SECOND
            if wait > 0:
                pipeline.sleep(wait)
            if not pipeline.take(REPORT, stop, self.renew):
                logs.info("Home Graph budget spent; states wait", devices=len(pending))
                break
            self.renew()
            pending = ledger.pending(self.user_id, self.linked_at)
            if not pending:
                break
            self.sent = pipeline.clock()
            self.report(pending, paid=True)
            pending = ledger.pending(self.user_id, self.linked_at)
        return not any(owed.get(d) == version for d, (version, _) in pending.items())

    def report(self, pending: Pending, paid: bool = False) -> None:
        """One Report State call; on a 400 or 404 for several devices, one call per device,
        so that one bad or unknown device never holds back the others."""
        pipeline, user_id = self.pipeline, self.user_id
        states = {device_id: device_states for device_id, (_, device_states) in pending.items()}
        versions = {device_id: version for device_id, (version, _) in pending.items()}
        request_id = str(uuid.uuid4())
        try:
            call_homegraph(
                pipeline,
                REPORT,
                lambda: pipeline.homegraph().report_state(user_id, request_id, states),
                paid,
                self.renew,
            )
        except OverBudget as error:
            raise Redeliver(str(error)) from error
        except HomeGraphError as error:
            if error.retryable:
                raise Redeliver(f"report state failed: {error}") from error
            if len(pending) > 1:
                for device_id, entry in pending.items():
                    self.renew()
                    self.report({device_id: entry})
                return
            if error.not_found:
                self.unknown(versions)
                return
            if pipeline.ledger.syncing(user_id, pipeline.clock() - SYNC_SETTLE_SECONDS * SECOND):
                raise Redeliver(f"state refused while Google re-syncs: {error.reason}") from error
            pipeline.ledger.mark_reported(user_id, versions)
            logs.error(
                "report state refused; not retried",
                status=error.status,
                reason=error.reason,
                states=states,
            )
            return
        pipeline.ledger.mark_reported(user_id, versions)
        logs.info("report state sent", devices=len(states))

    def unknown(self, versions: dict[str, int]) -> None:
        """A 404 names an unknown user or an unknown device; Request Sync tells which. For an
        unknown user it fails with 404 too (the user is unlinked, unless newly linked). For an
        unknown device (deleted, or added and not synced yet) Google now re-syncs, and the QUERY
        that follows a SYNC gives it the device's current state: this entry is done."""
        pipeline = self.pipeline
        if not self.sync_requested:
            try:
                call_homegraph(
                    pipeline,
                    SYNC,
                    lambda: pipeline.homegraph().request_sync(self.user_id),
                    renew=self.renew,
                )
            except OverBudget as error:
                raise Redeliver(str(error)) from error
            except HomeGraphError as sync_error:
                if sync_error.not_found and not _new_user(pipeline, self.user_id):
                    pipeline.ledger.set_unlinked(self.user_id, self.linked_at)
                    pipeline.ledger.drop_pending(self.user_id)
                    logs.warning("Home Graph does not know the user; marked unlinked")
                    raise UserUnlinked from sync_error
                raise Redeliver(f"request sync after a 404 failed: {sync_error}") from sync_error
            self.sync_requested = True
        pipeline.ledger.mark_reported(self.user_id, versions)
        logs.warning("device unknown to Home Graph; Request Sync sent", devices=list(versions))
