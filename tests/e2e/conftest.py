"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Every page a journey reaches is checked with axe-core (WCAG 2.0, 2.1 and 2.2 A/AA) and for
reflow (at 320 CSS pixels wide the page itself must not scroll sideways: WCAG 1.4.10, which is
also 1280 pixels at 400% zoom), and any JavaScript dialog or uncaught script error fails the test.

Fixtures:
    browser   session-wide headless Chromium
    page      a fresh browser context and page per test, base URL = the live server
    journey   a `Journey` over `page`: visit(), click_link(), submit() check every page they reach
    axe       `check_a11y`, for a page reached some other way
    demo_partnership
              the local demo's partnership, cases, briefings, publications and back catalogue,
              loaded for the live server; the library's search index is emptied afterwards

Helpers (import from tests.e2e.conftest):
    check_a11y(page)
    check_reflow(page)
    sign_in(page_or_journey, email, password, totp_secret=None)
    totp_code(secret)

Test data made in a test is visible to the live server: tests that use the live server run in
transactional mode, and data the migrations load is restored after each test.
"""

import base64
import binascii
import os
from pathlib import Path

# Playwright's sync API runs an event loop in the test thread; Django's ORM would otherwise
# refuse to run from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

E2E_DIR = Path(__file__).resolve().parent
ROOT_DIR = E2E_DIR.parents[1]
AXE_JS = ROOT_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("SIGHTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# WCAG 1.4.10 Reflow: content must fit 320 CSS pixels wide without scrolling sideways.
REFLOW_WIDTH = 320
REFLOW_HEIGHT = 800
# How long Playwright waits for an element or a navigation before failing (milliseconds).
TIMEOUT_MS = 10_000

# GOV.UK Frontend marks a radio that reveals a conditional question with aria-expanded, which
# ARIA 1.2 does not list for the radio role. GOV.UK keeps it on purpose (screen readers announce
# it; see alphagov/govuk-frontend#979, a known issue of the Radios component), so axe is told
# that this one attribute is allowed on radios. Every other check is run unchanged.
AXE_RUN = """
async (tags) => {
  axe.configure({checks: [{id: 'aria-allowed-attr', options: {radio: ['aria-expanded']}}]});
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}
"""


# The outermost elements that stick out past the right edge of the viewport, ignoring anything
# inside a container that scrolls or clips sideways (such as a table's scroll container).
REFLOW_CULPRITS = """
() => {
  const width = window.innerWidth;
  const clips = (style) => ['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX);
  // Whether an ancestor that scrolls or clips sideways holds the element in. An absolutely
  // positioned element escapes every such ancestor below its containing block (its nearest
  // positioned ancestor), and a fixed one escapes them all.
  const clipped = (el) => {
    const own = getComputedStyle(el).position;
    if (own === 'fixed') return false;
    let free = own === 'absolute';
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (free && style.position !== 'static') free = false;
      if (!free && clips(style)) return true;
      if (style.position === 'fixed') return false;
      if (style.position === 'absolute') free = true;
    }
    return false;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) {
      name += '.' + el.className.trim().split(/\\s+/).join('.');
    }
    const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    return `${name} (reaches ${Math.round(reach(el))}px)` +
      (text ? ` "${text}"` : '');
  };
  // How far right the element, or text running out of it, reaches.
  const reach = (el) => {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const spills = style.overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1;
    return spills ? Math.max(rect.right, rect.left + el.scrollWidth) : rect.right;
  };
  const out = (el) => el.getBoundingClientRect().right > width + 1 && !clipped(el);
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || reach(el) <= width + 1 || clipped(el)) continue;
    const parent = el.parentElement;
    const inner = parent && parent !== document.body;
    if (rect.right > width + 1) {
      // A box that sticks out: name the outermost one.
      if (inner && out(parent)) continue;
    } else if ([...el.children].some((child) => reach(child) > width + 1 && !clipped(child))) {
      // Text that runs out of its box: name the innermost element it runs out of.
      continue;
    }
    found.push(describe(el));
    if (found.length >= 5) break;
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, found};
}
"""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark everything under tests/e2e as `e2e`, before `-m` selects."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


class BrowserProblems:
    """JavaScript dialogs and uncaught script errors seen on a page, until reported."""

    def __init__(self):
        self.items = []

    def on_dialog(self, dialog):
        self.items.append(f"JavaScript {dialog.type} dialog: {dialog.message!r}")
        dialog.dismiss()

    def on_page_error(self, error):
        self.items.append(f"Uncaught script error: {error}")

    def raise_if_any(self, where):
        __tracebackhide__ = True
        if self.items:
            found, self.items = self.items, []
            pytest.fail(f"On {where}:\n" + "\n".join(f"- {item}" for item in found))


def check_a11y(page):
    """Run axe-core on the current page and fail with a readable list of any violations."""
    __tracebackhide__ = True
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        if not AXE_JS.exists():
            pytest.fail(f"{AXE_JS} is missing: run `make assets` (npm ci).")
        page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(AXE_RUN, AXE_TAGS)
    if violations:
        lines = [f"Accessibility violations on {page.url} ({page.title()!r}):"]
        for v in violations:
            noun = "element" if v["count"] == 1 else "elements"
            lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['count']} {noun})")
            lines.extend(f"    {target}" for target in v["targets"])
            lines.append(f"    {v['helpUrl']}")
        pytest.fail("\n".join(lines))


def check_reflow(page, width=REFLOW_WIDTH):
    """At `width` CSS pixels wide, the document must not be wider than the viewport: only a
    table's own scroll container may scroll sideways. The viewport is put back afterwards."""
    __tracebackhide__ = True
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": REFLOW_HEIGHT})
    try:
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
        result = page.evaluate(REFLOW_CULPRITS)
    finally:
        if original:
            page.set_viewport_size(original)
    if result["scrollWidth"] > width:
        lines = [
            f"{page.url} ({page.title()!r}) scrolls sideways at {width}px wide: the document is "
            f"{result['scrollWidth']}px wide.",
            *(f"- {culprit}" for culprit in result["found"]),
        ]
        pytest.fail("\n".join(lines))


class Journey:
    """A person's path through the site: each step waits for the page and checks it."""

    def __init__(self, page, problems=None):
        self.page = page
        self.problems = problems or getattr(page, "_sightline_problems", BrowserProblems())

    def check(self, *, a11y=True, reflow=True):
        """Check the current page: no dialogs or script errors, no accessibility violations, and
        no sideways scrolling at 320 pixels wide."""
        __tracebackhide__ = True
        self.page.wait_for_load_state()
        self.problems.raise_if_any(self.page.url)
        if a11y:
            check_a11y(self.page)
        if reflow:
            check_reflow(self.page)

    def visit(self, path, *, status=200, a11y=True, reflow=True):
        """Go to `path` (relative to the live server) and expect `status`."""
        __tracebackhide__ = True
        response = self.page.goto(path)
        assert response is not None, f"No response for {path}"
        assert response.status == status, f"{path}: expected HTTP {status}, got {response.status}"
        self.check(a11y=a11y, reflow=reflow)
        return response

    def click_link(self, text, *, exact=True):
        """Follow the link whose accessible name is `text`."""
        __tracebackhide__ = True
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=text, exact=exact).click()
        self.check()

    def submit(self, button_text, *, exact=True, navigates=True):
        """Press the button `button_text` and check the page that follows."""
        __tracebackhide__ = True
        button = self.page.get_by_role("button", name=button_text, exact=exact)
        if navigates:
            with self.page.expect_navigation():
                button.click()
        else:
            button.click()
        self.check()

    def fill(self, label, value, *, exact=True):
        """Type `value` into the field labelled `label`."""
        self.page.get_by_label(label, exact=exact).fill(value)

    def sign_in(self, email, password, totp_secret=None):
        sign_in(self, email, password, totp_secret)


def totp_code(secret):
    """The current 6-digit code for a TOTP secret: a django-otp TOTPDevice, its hex `key`, or
    a base32 secret. django-otp refuses a code already used, so sign in with a device at most
    once per 30-second step."""
    from django_otp.oath import totp

    if hasattr(secret, "bin_key"):
        code = totp(
            secret.bin_key,
            step=secret.step,
            t0=secret.t0,
            digits=secret.digits,
            drift=secret.drift,
        )
        return f"{code:0{secret.digits}d}"
    try:
        key = bytes.fromhex(secret)
    except ValueError:
        text = secret.replace(" ", "").upper()
        try:
            key = base64.b32decode(text + "=" * (-len(text) % 8))
        except binascii.Error as error:
            raise ValueError("TOTP secret is neither hex nor base32") from error
    return f"{totp(key):06d}"


def sign_in(page, email, password, totp_secret=None):
    """Sign in through the sign-in form (and the two-factor code form when a secret is given).

    `page` may be a Playwright page or a `Journey`; with a journey each page is checked.
    """
    from django.urls import reverse

    journey = page if isinstance(page, Journey) else None
    raw = journey.page if journey else page
    path = reverse("accounts:sign-in")
    if journey:
        journey.visit(path)
    else:
        raw.goto(path)
    raw.get_by_label("Email address", exact=True).fill(email)
    raw.get_by_label("Password", exact=True).fill(password)
    _press(journey, raw, "Sign in")
    if totp_secret is not None:
        raw.get_by_label("Code", exact=True).fill(totp_code(totp_secret))
        _press(journey, raw, "Continue")


def _press(journey, raw, button_text):
    if journey:
        journey.submit(button_text)
    else:
        with raw.expect_navigation():
            raw.get_by_role("button", name=button_text, exact=True).click()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps`.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback):
    """A new browser context per test, pointed at the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        bypass_csp=True,  # lets axe-core be injected; the CSP itself is tested elsewhere
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems = BrowserProblems()
    new_page = context.new_page()
    new_page.on("dialog", problems.on_dialog)
    new_page.on("pageerror", problems.on_page_error)
    new_page._sightline_problems = problems
    yield new_page
    context.close()
    problems.raise_if_any("the last page of the test")


@pytest.fixture
def journey(page):
    return Journey(page)


@pytest.fixture
def demo_partnership(page):
    """The demo data, made once the live server's database is ready for the test. The search
    index lives in tables the test database does not empty, so its entries go afterwards."""
    from sightline.core.demo import seed_base
    from sightline.publishing.models import LibraryItem
    from sightline.publishing.search import remove_item

    seed_base()
    yield
    for pk in LibraryItem.objects.values_list("pk", flat=True):
        remove_item(pk)


@pytest.fixture
def axe():
    return check_a11y
