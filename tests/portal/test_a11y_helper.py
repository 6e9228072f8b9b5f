"""The accessibility helper itself catches what it should (so a passing page check means something)."""

from tests.portal.a11y import accessibility_problems

GOOD = """<!DOCTYPE html><html lang="en"><head><title>Team · Portal</title></head><body>
<label for="id_email">E-mail address</label><input id="id_email" name="email">
<label><input type="checkbox" name="remember"> Remember me</label>
<input type="hidden" name="csrfmiddlewaretoken" value="x"><select aria-label="Role" name="role"></select>
<span id="note-label">Note</span><textarea aria-labelledby="note-label" name="note"></textarea>
<img src="a.png" alt=""><button type="submit">Invite</button><a href="/">Home</a>
<a href="/logo"><img src="logo.png" alt="Campus portal"></a><button aria-label="Close">×</button>
<a id="top"></a></body></html>"""


def test_a_good_page_has_no_problems():
    assert accessibility_problems(GOOD) == []


def test_each_basic_is_caught():
    bad = """<html><head><title> </title></head><body><input name="email" tabindex="2">
    <textarea name="note"></textarea><img src="b.png"><button></button><a href="/x"></a>
    <p id="a"></p><p id="a"></p></body></html>"""
    problems = accessibility_problems(bad)
    text = "\n".join(problems)
    assert "no lang" in text
    assert "no <title>" in text
    assert "name='email'> has no label" in text
    assert "name='note'> has no label" in text
    assert "positive tabindex" in text
    assert "has no alt" in text
    assert "<button" in text
    assert "<a " in text
    assert "duplicate ids: ['a']" in text
    assert len(problems) == 9


def test_a_title_of_only_the_site_name_is_not_the_pages_own():
    page = GOOD.replace("<title>Team · Portal</title>", "<title> · Campus portal</title>")
    assert accessibility_problems(page) == ["the page has no <title> of its own"]


def test_an_image_link_without_alt_text_has_no_name():
    page = GOOD.replace('alt="Campus portal"', 'alt=""')
    assert len(accessibility_problems(page)) == 1
    assert "has no accessible name" in accessibility_problems(page)[0]
