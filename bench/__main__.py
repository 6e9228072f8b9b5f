"""``python -m bench``: (a) API throughput ratio, (c) contention, (b) availability, on a fresh database."""

import sys
import time

from bench.env import say, setup, start_redis, stop


def main() -> None:
    started = time.perf_counter()
    redis_proc, redis_url = start_redis()
    try:
        url = setup(redis_url=redis_url)
        from bench import api, availability

        _ratio, contention_ok = api.run(url, redis_url)
        say()
        availability.run()
    finally:
        stop(redis_proc)
    say()
    say(f"all benchmarks done in {time.perf_counter() - started:.0f} s")
    sys.exit(0 if contention_ok else 1)


if __name__ == "__main__":
    main()
