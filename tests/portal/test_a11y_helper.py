"""The accessibility helper itself catches what it should (so a passing page check means something)."""

from tests.portal.a11y import accessibility_problems

GOOD = """<!DOCTYPE html><html lang="en"><head><title>Team · Portal</title></head><body>
<label for="id_email">E-mail address</label><input id="id_email" name="email">
<input type="hidden" name="csrfmiddlewaretoken" value="x"><select aria-label="Role" name="role"></select>
<img src="a.png" alt=""><button type="submit">Invite</button><a href="/">Home</a></body></html>"""


def test_a_good_page_has_no_problems():
    assert accessibility_problems(GOOD) == []


def test_each_basic_is_caught():
    bad = """<html><head><title> </title></head><body><input name="email" tabindex="2">
    <textarea name="note"></textarea><img src="b.png"><button></button><a href="/x"></a></body></html>"""
    problems = "\n".join(accessibility_problems(bad))
    assert "no lang" in problems
    assert "no <title>" in problems
    assert "name='email'> has no label" in problems
    assert "name='note'> has no label" in problems
    assert "positive tabindex" in problems
    assert "has no alt" in problems
    assert "<button" in problems
    assert "<a " in problems
