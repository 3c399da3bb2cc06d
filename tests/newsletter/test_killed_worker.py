"""A worker process SIGKILLed in the middle of sending an issue (PostgreSQL, real worker
processes, the test's SMTP server): the task is failed as lost and retried by another
worker, which sends the rest; no one receives the issue twice, and those whose copy may
or may not have gone out are marked unknown, never sent again."""

import asyncio
import signal
from collections import Counter

import pytest

from newsletter import services
from newsletter.models import Delivery, Issue, Subscriber
from newsletter.tasks import CLAIM_GROUP
from tests import factories
from tests.support import wait_until


class SlowMailbox:
    """Accepts each message after a pause, so a worker can be killed mid-group."""

    def __init__(self):
        self.to: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.1)
        self.to.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def slow_smtp():
    from aiosmtpd.controller import Controller

    from tests.support import free_port

    mailbox = SlowMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


def test_a_worker_killed_mid_issue_mails_no_one_twice(task_worker, slow_smtp):
    factories.make_article()
    people = [
        Subscriber.objects.create(email=f"s{n}@example.com", wants_briefing=True)
        for n in range(CLAIM_GROUP + 10)
    ]
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(slow_smtp.port),
        "EMAIL_USE_TLS": "0",
        "NEWSLETTER_SEND_PER_SECOND": "0",
        "TASKS_HEARTBEAT_SECONDS": "0.3",
        "TASKS_RETRY_SECONDS": "0",
    }
    issue = services.start_briefing()
    doomed = task_worker(**env)
    wait_until(lambda: len(slow_smtp.to) >= 3, timeout=60, what="sending", log=doomed.log)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    delivered_before = len(slow_smtp.to)

    rescuer = task_worker(**env)
    wait_until(
        lambda: Issue.objects.get(pk=issue.pk).state == Issue.State.SENT,
        timeout=60,
        what="the issue finished by the retry",
        log=rescuer.log,
    )
    copies = Counter(slow_smtp.to)
    assert max(copies.values()) == 1  # no one twice
    states = dict(issue.deliveries.values_list("subscriber__email", "state"))
    unknown = {email for email, state in states.items() if state == Delivery.State.UNCERTAIN}
    # The killed worker's group: some of it went out, none of it again.
    assert 0 < len(unknown) <= CLAIM_GROUP
    assert delivered_before >= 3
    for person in people:
        if person.email not in unknown:
            assert states[person.email] == Delivery.State.SENT
            assert copies[person.email] == 1
