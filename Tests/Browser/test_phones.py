"""Gongzhi on a phone (390 px, Chrome's device emulation): a visitor signs up with a texted code and raises a
problem; no page of any role scrolls sideways, in Chinese and English, normal and elderly. The width is
compared with `document.documentElement.scrollWidth`, not `innerWidth` (which the emulation widens to fit a page
that is too wide).

Run by scripts/browser-test after test_flows.py: python3 Tests/Browser/test_phones.py BASE_URL SCREENSHOT_DIR
(the SMS outbox file in GONGZHI_SMS_OUTBOX).
"""
import json
import os
import sys
import time
import unittest

from selenium.webdriver.common.by import By

import test_flows
from test_flows import BASE, Session, axe_problems, browser

PHONE = 390
OUTBOX = os.environ.get("GONGZHI_SMS_OUTBOX", "")


def as_phone(driver):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PHONE, "height": 844, "deviceScaleFactor": 1, "mobile": True})


def sideways(driver):
    """How far the page is wider than the phone (0: it fits)."""
    return max(0, driver.execute_script("return document.documentElement.scrollWidth") - PHONE)


class Visitor:
    """A browser without an account, on a phone."""

    def __init__(self):
        self.driver = browser()
        as_phone(self.driver)

    go, text, click, submit, shot, close = Session.go, Session.text, Session.click, Session.submit, Session.shot, Session.close


def last_code(phone):
    with open(OUTBOX, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    return [e["code"] for e in entries if e["to"] == phone][-1]


def household_code():
    """A worker opens a household none of whose members has an account, reads its code and a member's name."""
    w = Session("worker")
    try:
        w.go("/people")
        links = [a.get_attribute("href") for a in w.driver.find_elements(By.CSS_SELECTOR, "a[href^='/people/']")]
        for href in reversed(links):
            w.driver.get(href)
            households = w.driver.find_elements(By.CSS_SELECTOR, "a[href^='/households/']")
            if not households:
                continue
            w.click(households[0])
            w.submit("#join-code form")
            code = w.driver.find_element(By.CSS_SELECTOR, ".big-code").text
            name = w.driver.find_element(By.CSS_SELECTOR, "td[data-label] a[href^='/people/']").text
            w.shot("worker-household-code")
            return code, name
        raise AssertionError("no household found")
    finally:
        w.close()


class VisitorSignsUp(unittest.TestCase):
    """A visitor finds the front door and raises a problem on a phone; the number comes last and the texted code (from
    the file provider) sends the problem and opens their account; then they join their household by its code."""

    def test_raise_sign_up_and_join(self):
        v = Visitor()
        try:
            phone = "139" + str(int(time.time() * 1000))[-8:]
            v.go("/")
            self.assertIn("96333", v.text())
            self.assertEqual(sideways(v.driver), 0)
            self.assertEqual([p["id"] for p in axe_problems(v.driver)], [])
            v.shot("visitor-front-door-390")
            v.click(v.driver.find_element(By.CSS_SELECTOR, "a.entry.primary"))
            self.assertIn("/requests/new", v.driver.current_url)
            v.driver.find_element(By.ID, "req-title").send_keys("小区门口路灯不亮")
            v.driver.find_element(By.ID, "req-description").send_keys("晚上出门看不见路，老人容易摔倒")
            v.submit("form[action='/requests/new']")
            self.assertEqual(sideways(v.driver), 0)
            self.assertEqual([p["id"] for p in axe_problems(v.driver)], [])
            # No building is chosen for a visitor: they pick theirs.
            self.assertEqual(v.driver.find_element(By.ID, "req-building").get_attribute("value"), "")
            v.driver.find_elements(By.CSS_SELECTOR, "#req-building option")[1].click()
            v.driver.find_element(By.ID, "req-phone").send_keys(phone)
            v.shot("visitor-request-step2-390")
            v.submit("form[action='/requests']")
            self.assertIn("/signin/code", v.driver.current_url)
            self.assertIn(phone[:3] + "****" + phone[-4:], v.text())
            self.assertIn("问题就交上去了", v.text())
            self.assertEqual([p["id"] for p in axe_problems(v.driver)], [])
            v.shot("visitor-code-390")
            v.driver.find_element(By.ID, "code").send_keys(last_code(phone))
            v.submit("form[action='/signin/code']")
            self.assertIn("小区门口路灯不亮", v.text())
            self.assertEqual(sideways(v.driver), 0)
            v.shot("visitor-request-sent-390")
            # Home: not yet anyone's neighbour. The worker reads out the household's code; the visitor joins with it.
            v.go("/")
            code, name = household_code()
            v.click(v.driver.find_element(By.CSS_SELECTOR, "a[href='/join']"))
            self.assertEqual(sideways(v.driver), 0)
            self.assertEqual([p["id"] for p in axe_problems(v.driver)], [])
            v.shot("visitor-join-390")
            v.driver.find_element(By.ID, "join-code").send_keys(code)
            v.driver.find_element(By.ID, "join-name").send_keys(name)
            v.submit("form[action='/join/code']")
            self.assertIn("已加入您家", v.text())
            v.shot("visitor-joined-390")
        finally:
            v.close()


class Emergency(unittest.TestCase):
    """A resident reports someone trapped in a lift on a phone and is told whom to call; the worker sees it first."""

    def test_trapped_in_a_lift(self):
        r = Session("resident")
        w = Session("worker")
        try:
            as_phone(r.driver)
            title = "电梯坏了，有人被困在里面 " + os.urandom(2).hex()
            r.go("/requests/new")
            r.driver.find_element(By.ID, "req-title").send_keys(title)
            r.driver.find_element(By.ID, "req-description").send_keys("3单元电梯停在两层之间，里面有老人")
            r.submit("form[action='/requests/new']")
            self.assertIn("96333", r.text(), "whom to call, before the form")
            self.assertTrue(r.driver.find_element(By.CSS_SELECTOR, "input[name=item][value='PRC-001']").is_selected(), "the lift item is proposed")
            r.driver.find_element(By.ID, "q-trapped-yes").click()
            r.shot("emergency-step2-390")
            r.submit("form[action='/requests']")
            text = r.text()
            self.assertIn("96333", text)
            self.assertIn("15 分钟内", text)
            self.assertEqual(sideways(r.driver), 0)
            r.shot("emergency-sent-390")
            w.go("/workbench")
            first = w.driver.find_element(By.CSS_SELECTOR, "table.cases tbody tr")
            self.assertIn(title, first.text)
            self.assertIn("紧急", first.text)
            w.shot("emergency-workbench")
        finally:
            r.close()
            w.close()


class WorkerQueue(unittest.TestCase):
    """A worker accepts three new cases at once, then dispatches the three together."""

    def test_accept_and_dispatch_three(self):
        r = Session("resident")
        w = Session("worker")
        try:
            ids = []
            for title in ["楼道灯坏了", "门禁打不开", "垃圾桶满了"]:
                r.go("/requests/new")
                r.driver.find_element(By.ID, "req-title").send_keys(title + " " + os.urandom(2).hex())
                r.submit("form[action='/requests/new']")
                r.submit("form[action='/requests']")
                ids.append(r.driver.current_url.split("/requests/")[1].split("?")[0])
            w.go("/workbench?stage=new&sort=newest")
            self.assertEqual([p["id"] for p in axe_problems(w.driver)], [])
            for case_id in ids:
                w.driver.find_element(By.CSS_SELECTOR, f"input[name='ids[]'][value='{case_id}']").click()
            w.shot("worker-queue-selected")
            w.click(w.driver.find_element(By.CSS_SELECTOR, "button[name=action][value=accept]"))
            self.assertIn("已受理 3 件", w.text())
            # Accepted, they wait to be dispatched: the next tab.
            w.go("/workbench?stage=to_dispatch&sort=newest")
            for case_id in ids:
                w.driver.find_element(By.CSS_SELECTOR, f"input[name='ids[]'][value='{case_id}']").click()
            target = w.driver.find_element(By.ID, "bulk-target")
            options = target.find_elements(By.TAG_NAME, "option")
            grid = next(o for o in options if "网格" in o.text)
            grid_name = grid.text.split("（")[0]
            grid.click()
            w.click(w.driver.find_element(By.CSS_SELECTOR, "button[name=action][value=dispatch]"))
            self.assertIn("已派出 3 件", w.text())
            w.shot("worker-queue-dispatched")
            w.go("/cases/" + ids[0])
            self.assertIn("→ " + grid_name, w.text())
        finally:
            r.close()
            w.close()


class OfficialComparison(unittest.TestCase):
    """A street official finds the community behind on on-time rate and opens its overdue cases."""

    def test_worst_community(self):
        s = Session("street")
        try:
            s.go("/dashboard?sort=on_time")
            first = s.driver.find_element(By.CSS_SELECTOR, ".comparison-table tbody tr")
            name = first.find_element(By.CSS_SELECTOR, "th a").text
            s.shot("official-comparison")
            s.click(first.find_element(By.CSS_SELECTOR, "a.overdue-link"))
            self.assertIn("/workbench", s.driver.current_url)
            self.assertIn("sla=red", s.driver.current_url)
            rows = s.driver.find_elements(By.CSS_SELECTOR, "table.cases tbody tr")
            self.assertTrue(rows, "the community behind has overdue cases")
            for row in rows:
                self.assertTrue("超期" in row.text or "超时" in row.text, row.text)
            s.shot("official-overdue-cases")
            as_phone(s.driver)
            s.go("/dashboard")
            self.assertEqual(sideways(s.driver), 0)
            s.shot("official-dashboard-390")
            self.assertTrue(name)
        finally:
            s.close()


class NothingScrollsSideways(unittest.TestCase):
    """Every main page of every role at 390 px, in both languages and both modes."""

    pages = {
        "resident": ["/", "/requests", "/requests/new", "/board", "/track", "/needs", "/polls", "/votes", "/deliberation", "/projects",
                     "/council", "/account/security", "/me/data", "/announcements", "/points", "/activities", "/activities/checkin", "/volunteers", "/volunteers/certificate", "/conventions", "/disclosure", "/finances"],
        "worker": ["/", "/workbench", "/workbench?stage=new", "/joins", "/window", "/people", "/org", "/needs", "/rectifications", "/import", "/polls/new", "/votes/new", "/announcements", "/announcements/new", "/points/manage", "/activities/new", "/volunteers", "/conventions/new", "/finances"],
        "street": ["/", "/dashboard", "/supervise", "/rectifications"],
        "auditor": ["/audit"],
        "admin": ["/accounts"],
    }
    objects = {"resident": [("/requests", "a[href^='/requests/']"), ("/announcements", "ul.announcements a[href^='/announcements/']"),
                            ("/conventions", "ul.announcements a[href^='/conventions/']")],
               "worker": [("/workbench?all=1", "a[href^='/cases/']"), ("/people", "a[href^='/people/']")]}

    def test_every_page_fits(self):
        failures = []
        for role, paths in self.pages.items():
            s = Session(role)
            try:
                as_phone(s.driver)
                for start, css in self.objects.get(role, []):
                    s.go(start)
                    links = s.driver.find_elements(By.CSS_SELECTOR, css)
                    if links:
                        paths = paths + [links[0].get_attribute("href").replace(BASE, "")]
                for lang in ["zh", "en"]:
                    for mode in ["off", "on"]:
                        s.go(f"/prefs/lang/{lang}?next=/")
                        s.go(f"/prefs/elderly/{mode}?next=/")
                        for path in paths:
                            s.go(path)
                            over = sideways(s.driver)
                            if over:
                                failures.append(f"{role} {path} [{lang}, elderly {mode}]: {over} px too wide")
                            if lang == "zh":
                                s.shot(f"phone-{role}{path.replace('/', '-').replace('?', '-').replace('=', '-')[:40]}-{'elderly' if mode == 'on' else 'normal'}-390")
            finally:
                s.close()
        self.assertEqual(failures, [], "\n".join(failures))


if __name__ == "__main__":
    test_flows.SHOTS = sys.argv[2] if len(sys.argv) > 2 else test_flows.SHOTS
    unittest.main(argv=[sys.argv[0], "-v"])
