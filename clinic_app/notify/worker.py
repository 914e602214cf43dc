"""The long-running sender behind ``flask outbox work``: deliver what is due, sleep, repeat.

It stops cleanly on SIGTERM or SIGINT: the email in hand is finished and recorded, the rest stay
queued for the next sender, and the loop ends, so a deploy or restart never cuts a message in
half, leaves it claimed, or waits for a whole batch of slow deliveries.
"""

import logging
import signal
import threading

logger = logging.getLogger("clinic_app.notify")


def run_worker(stop: threading.Event, poll_seconds: float, tasks) -> int:
    """Run each task in turn until ``stop`` is set; return how many rounds ran.

    Each task is called with ``stop`` and should return soon after it is set; between rounds
    the worker sleeps ``poll_seconds`` but wakes at once when stopped.
    """
    rounds = 0
    while not stop.is_set():
        for task in tasks:
            if stop.is_set():
                break
            try:
                task(stop)
            except Exception:  # a bad round is logged and retried; the worker keeps going
                logger.exception("Outbox worker round failed")
        rounds += 1
        stop.wait(poll_seconds)
    return rounds


def stop_on_signals(stop: threading.Event):
    """Set ``stop`` on SIGTERM and SIGINT (the current email is finished first)."""

    def handle(signum, _frame):
        logger.info("Outbox worker stopping (signal %s); finishing the email in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
