"""What every outbox shares (webhook events, e-mails): a row is due while undelivered, not given
up, its time come and claimed by nobody; one worker claims it with an UPDATE that repeats that
condition, so of the workers or hosts that selected it only one gets it; it records the outcome
only while the claim is still its own; failures are retried with exponential backoff.

A table using it is a `models.Deliverable` with an `id`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from extensions import db
from models import utcnow


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 h between tries."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


class Outbox:
    def __init__(self, model: type, claim: timedelta, log: logging.Logger):
        self.model = model
        # How long a claimed row stays a worker's: far longer than an attempt may take, so nobody
        # takes it from a worker still sending it; after a worker died, someone else will.
        self.claim_for = claim
        self.log = log

    def due(self, now: datetime) -> tuple:
        """What may be sent now: not delivered, not given up, its time come, claimed by nobody."""
        m = self.model
        return (
            m.delivered_at.is_(None),
            m.failed_at.is_(None),
            m.next_attempt_at <= now,
            m.locked_until.is_(None) | (m.locked_until < now),
        )

    def claim(self, row_id: int) -> datetime | None:
        """Take one row for a while, if it is still due; the claim (its `locked_until`), or None.
        Checked in the UPDATE itself: one that selected it before another delivered it, or
        attempted it and backed off, gets nothing."""
        now = utcnow()
        claim = now + self.claim_for
        result = db.session.execute(
            db.update(self.model).where(self.model.id == row_id, *self.due(now)).values(locked_until=claim)
        )
        db.session.commit()
        return claim if result.rowcount == 1 else None

    def settle(self, row_id: int, claim: datetime, attempt: object | None = None, **outcome: object) -> bool:
        """Record what became of the row and release it, only while it is still this worker's
        claim: a worker that finished after its claim lapsed, and another took the row, must not
        overwrite what that other one records. Whether it was recorded."""
        result = db.session.execute(
            db.update(self.model)
            .where(self.model.id == row_id, self.model.locked_until == claim)
            .values(locked_until=None, **outcome)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.rollback()
            self.log.warning(
                "%s %s: claim lapsed before the attempt ended; its outcome is not recorded",
                self.model.__tablename__,
                row_id,
            )
            return False
        if attempt is not None:
            db.session.add(attempt)
        db.session.commit()
        return True

    def after_failure(self, attempts: int, error: str | None, max_attempts: int) -> dict:
        """The outcome of a failed attempt: another try later, or given up after the last."""
        if attempts >= max_attempts:
            return {"failed_at": utcnow(), "last_error": error}
        return {"next_attempt_at": utcnow() + backoff(attempts), "last_error": error}
