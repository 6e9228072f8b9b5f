"""``python -m bench``: (a) API throughput ratio, (c) contention, (b) availability, on a fresh database."""

import sys
import time

from bench.env import say, setup


def main() -> None:
    started = time.perf_counter()
    url = setup()
    from bench import api, availability

    _ratio, contention_ok = api.run(url)
    say()
    availability.run()
    say()
    say(f"all benchmarks done in {time.perf_counter() - started:.0f} s")
    sys.exit(0 if contention_ok else 1)


if __name__ == "__main__":
    main()
