"""The worker fixture itself: a real worker process on the real Redis answers and stops."""

import pytest

from config.celery import app


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_on_redis(celery_worker):
    replies = app.control.ping(destination=[celery_worker.name], timeout=2)
    assert replies and list(replies[0]) == [celery_worker.name]
    assert celery_worker.process.poll() is None
