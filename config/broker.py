"""The Redis broker transport, with one fix for a worker that would die when Redis does.

When Redis goes away while a worker with a free pool process is waiting for a message, kombu's
first attempt to close the channel fails half-way (the wait it must finish fails), Celery then
closes the connection, and the second attempt to close the channel tries to hand the in-flight
message back to Redis through a connection that no longer knows its address: an AttributeError
that Celery treats as unrecoverable, so the worker exits ("'NoneType' object has no attribute
'hostname'" in `restore_unacked`). Handing the message back cannot work at that moment anyway;
Redis keeps it in its unacknowledged set, whence it comes back after the visibility timeout, and
if Redis lost it, the jobs' sweep sends the run again. So such a channel closes without trying.
Celery uses this transport through `broker_transport` (settings: CELERY_BROKER_TRANSPORT).
"""

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self) -> None:
        if not self.closed and self.connection.client is None:  # the connection is already closed
            self.qos.restore_at_shutdown = False
        super().close()


class Transport(redis.Transport):
    Channel = Channel
