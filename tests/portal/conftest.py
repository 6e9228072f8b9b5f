# portal-b's fixtures (a founder, rooms to book, a fixed clock): tests/portal/book_world.py
from tests.portal.book_world import clock, world  # noqa: F401
