"""A real job queue against a server: rq (on redis-py) queueing, delaying, retrying and
completing jobs with a burst worker. Prints one line per check, so the output can be compared
with the output against redis-server 7.0.15 (`rq_job_queue.out`).
Usage: python3 rq_job_queue.py PORT
"""
import sys
from datetime import datetime, timedelta, timezone

import redis
from rq import Queue, Retry, SimpleWorker


def main():
    conn = redis.Redis(port=int(sys.argv[1]))
    conn.flushall()
    q = Queue("default", connection=conn)
    done = q.enqueue(len, "abcd")
    summed = q.enqueue(sum, [1, 2, 3])
    failing = q.enqueue("math.sqrt", -1, retry=Retry(max=2))
    # A job whose time has come already: the worker's scheduler moves it to the queue.
    delayed = q.enqueue_at(datetime.now(timezone.utc) - timedelta(seconds=5), len, "xy")
    dependent = q.enqueue(len, "abc", depends_on=done)
    print("queued:", len(q), "scheduled:", delayed.get_status())
    worker = SimpleWorker([q], connection=conn)
    worker.work(burst=True, with_scheduler=True, logging_level="CRITICAL")
    # The scheduled job may be picked up only once the scheduler ran: run another burst.
    worker.work(burst=True, with_scheduler=True, logging_level="CRITICAL")
    for name, job in [("done", done), ("summed", summed), ("failing", failing),
                      ("delayed", delayed), ("dependent", dependent)]:
        job.refresh()
        print(name, job.get_status(), job.return_value() if job.is_finished else None,
              "retries left:", job.retries_left)
    print("failed registry:", q.failed_job_registry.count,
          "finished registry:", q.finished_job_registry.count)
    print("queue empty:", q.is_empty())


if __name__ == "__main__":
    main()
