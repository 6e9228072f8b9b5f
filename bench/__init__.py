"""Benchmarks (issue 4, point 12). Not part of the test suite; they need PostgreSQL.

Run all three with ``DATABASE_URL=postgres://… python -m bench`` (see README, "Benchmarks"), or one
with ``python -m bench.api`` / ``python -m bench.availability``. Each run drops and recreates its own
database (``campus_bench`` on the server of ``DATABASE_URL``, or ``BENCH_DB_NAME``), never the
database ``DATABASE_URL`` names.
"""
