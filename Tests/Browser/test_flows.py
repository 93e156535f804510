"""Gongzhi in a real browser (Debian's chromium driven by selenium): the four-step case flow, the elderly mode,
the English switch, another community's worker getting "not found", and axe-core on the main pages in both
languages and both modes (no critical or serious violations).

Run by scripts/browser-test against a running server: python3 Tests/Browser/test_flows.py BASE_URL SCREENSHOT_DIR
"""
import os
import re
import struct
import sys
import tempfile
import time
import unittest
import urllib.request
import zlib

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from selenium_axe_python import Axe

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8097"
SHOTS = sys.argv[2] if len(sys.argv) > 2 else ".artifacts/screenshots"
PASSWORD = "Gongzhi@2026"


def png_file():
    """A small real PNG (a red square) to upload."""
    width = height = 8
    raw = b"".join(b"\x00" + b"\xc0\x10\x10" * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path = os.path.join(tempfile.mkdtemp(), "stair-light.png")
    with open(path, "wb") as f:
        f.write(data)
    return path


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=zh-CN"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


class Session:
    """One person in one browser: cookies of their own."""

    def __init__(self, username):
        self.driver = browser()
        self.username = username
        self.go("/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.click(self.driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"))
        assert "/login" not in self.driver.current_url, f"{username} could not sign in: {self.text()[:300]}"

    def go(self, path):
        self.driver.get(BASE + path)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def click(self, element):
        """Clicks something that loads a new page, and waits until the new page is there."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        # While the page changes, the driver may answer with transient errors: keep polling through them.
        wait = WebDriverWait(self.driver, 30, ignored_exceptions=(WebDriverException,))
        wait.until(expected_conditions.staleness_of(old))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def submit(self, form_css):
        self.click(self.driver.find_element(By.CSS_SELECTOR, form_css + " button[type=submit]"))

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def close(self):
        self.driver.quit()


def axe_problems(driver):
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    return [v for v in results["violations"] if v.get("impact") in ("critical", "serious")]


class CaseFlow(unittest.TestCase):
    """(a) a resident submits with a photo, (b) a worker accepts and dispatches, (c) the handler (the property
    company serving the compound) signs and replies, (d) the resident rates and the case closes."""

    @classmethod
    def setUpClass(cls):
        cls.resident = Session("resident")
        cls.worker = Session("worker")

    @classmethod
    def tearDownClass(cls):
        cls.resident.close()
        cls.worker.close()

    def test_flow(self):
        r, w = self.resident, self.worker
        # (a) The resident raises a problem in two steps, with a photo.
        r.go("/")
        r.click(r.driver.find_element(By.CSS_SELECTOR, "a.entry.primary"))
        self.assertIn("/requests/new", r.driver.current_url)
        title = "3号楼楼道灯不亮 " + os.urandom(3).hex()
        r.driver.find_element(By.ID, "req-title").send_keys(title)
        r.driver.find_element(By.ID, "req-description").send_keys("二楼到三楼的声控灯坏了，晚上看不见台阶")
        r.shot("request-step1")
        r.submit("form[action='/requests/new']")
        self.assertTrue(r.driver.find_elements(By.CSS_SELECTOR, "input[name=item]:checked"), "a category is proposed")
        r.driver.find_element(By.ID, "req-photos").send_keys(png_file())
        r.driver.find_element(By.ID, "req-public").click()
        r.shot("request-step2")
        r.submit("form[action='/requests']")
        body = r.text()
        self.assertIn("已提交", body)
        number = re.search(r"GZ\d{8}-[A-Z0-9]{6}", body).group(0)
        r.shot("request-page")

        # (b) The community worker finds it first in the queue (newest first), accepts and dispatches it.
        w.go("/workbench?sort=newest")
        w.shot("workbench")
        w.click(w.driver.find_element(By.LINK_TEXT, title))
        case_url = w.driver.current_url
        self.assertIn(number, w.text())
        w.shot("case-page")
        def act(session, action):
            form = f"form[action$='/act/{action}']"
            details = session.driver.find_element(By.CSS_SELECTOR, f"details:has({form})")
            if details.get_attribute("open") is None:
                details.find_element(By.TAG_NAME, "summary").click()
            session.submit(form)
            self.assertIn("已完成", session.text(), action)
        for action in ["accept", "dispatch"]:
            act(w, action)
        # (c) The handler signs, starts and replies: a stairwell light is the property company's, and the compound
        # is served by 安居物业, whose steward works it from the company's own workbench.
        # (Should the resident have chosen a community matter, the community handles it itself.)
        company = "安居物业服务有限公司" in w.text()
        steward = Session("wuye") if company else w
        try:
            steward.go(case_url.replace(BASE, ""))
            for action in ["sign", "start"]:
                act(steward, action)
            form = "form[action$='/act/reply']"
            steward.driver.find_element(By.CSS_SELECTOR, form + " textarea").send_keys("已更换声控灯，请查看")
            steward.submit(form)
            self.assertIn("已完成", steward.text())
        finally:
            if company:
                steward.close()

        # (d) The resident rates it on the request page; it closes.
        r.go("/requests")
        r.click(r.driver.find_element(By.LINK_TEXT, title))
        self.assertIn("评价办理结果", r.text())
        self.assertIn("已更换声控灯", r.text())
        r.driver.find_element(By.ID, "solved-yes").click()
        r.driver.find_element(By.ID, "sat-1").click()
        r.submit("form[action$='/rate']")
        self.assertIn("感谢您的评价", r.text())
        self.assertIn("已办好", r.text())

        # Another community's worker is told "not found".
        other = Session("worker2")
        try:
            other.go(case_url.replace(BASE, ""))
            self.assertIn("没有找到", other.text())
        finally:
            other.close()


class Preferences(unittest.TestCase):
    def test_elderly_mode_and_english(self):
        s = Session("resident")
        try:
            s.go("/")
            s.click(s.driver.find_element(By.PARTIAL_LINK_TEXT, "长辈版"))
            html_class = s.driver.find_element(By.TAG_NAME, "html").get_attribute("class") or ""
            self.assertIn("elderly", html_class)
            size = s.driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
            self.assertGreaterEqual(size, 24, "main text ≥ 18 pt in the elderly mode")
            target = s.driver.execute_script("return document.querySelector('a.entry').getBoundingClientRect().height")
            self.assertGreaterEqual(target, 60, "targets ≥ 60 px in the elderly mode")
            # It persists across pages.
            s.go("/requests")
            self.assertIn("elderly", s.driver.find_element(By.TAG_NAME, "html").get_attribute("class") or "")
            s.shot("elderly-mine")
            s.click(s.driver.find_element(By.LINK_TEXT, "English"))
            self.assertEqual(s.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "en")
            self.assertIn("My requests", s.text())
            s.shot("english-mine")
        finally:
            s.close()


class OwnersVote(unittest.TestCase):
    """A worker drafts and opens an owners' vote for the resident's compound on the pages; the resident sees it on
    the home page and votes with one big button; the page then shows the ballot and its receipt code, which checks
    out. axe on the vote pages for both."""

    def test_vote(self):
        r, w = Session("resident"), Session("worker")
        try:
            # The resident's compound, as the request form names it for their own building.
            r.go("/requests/new")
            r.driver.find_element(By.ID, "req-title").send_keys("小区议事")
            r.submit("form[action='/requests/new']")
            compound = r.driver.execute_script(
                "return document.querySelector('#req-building option:checked').parentElement.label")
            w.go("/votes/new")
            for option in w.driver.find_elements(By.CSS_SELECTOR, "#v-compound option"):
                if option.text == compound:
                    option.click()
            title = "续聘物业服务企业 " + os.urandom(3).hex()
            w.driver.find_element(By.ID, "v-title").send_keys(title)
            w.driver.find_element(By.CSS_SELECTOR, "#v-matter option[value='hire_property_manager']").click()
            w.submit("form[action='/votes']")
            self.assertIn("/votes/", w.driver.current_url, w.text()[:500])
            vote_path = w.driver.current_url.replace(BASE, "")
            w.submit(f"form[action='{vote_path}/open']")
            self.assertIn("录入书面表决票", w.text())

            r.go("/")
            self.assertIn(title, r.text())
            r.click(r.driver.find_element(By.LINK_TEXT, title))
            r.driver.find_element(By.CSS_SELECTOR, "form.ballot input[name=choice][value='yes']").click()
            r.submit("form.ballot")
            self.assertIn("您选择的是：同意", r.text())
            r.submit("form.ballot.confirm")
            self.assertIn("您的选票已收到", r.text())
            code = r.driver.find_element(By.CSS_SELECTOR, ".notice .code").text
            self.assertRegex(code, r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")
            r.driver.find_element(By.ID, "r-code").send_keys(code)
            r.submit(f"form[action='{vote_path}'][method='get']")
            self.assertIn("这张选票已计入", r.text())
            Accessibility.check(self, r, [("votes", "/votes"), ("vote-page", vote_path)], "resident")
            Accessibility.check(self, w, [("vote-new", "/votes/new"), ("vote-page", vote_path)], "staff")
        finally:
            r.close()
            w.close()


class Deliberation(unittest.TestCase):
    """A resident raises a need on the form and supports it; the worker takes it up, adds the council's core members
    and schedules a meeting with the topic on its agenda. axe on the hub, the needs pages, the council page and the
    meeting page, for both."""

    def test_need_to_meeting(self):
        r, w = Session("resident"), Session("worker")
        try:
            title = "中心花园加装座椅 " + os.urandom(3).hex()
            r.go("/deliberation")
            r.click(r.driver.find_element(By.CSS_SELECTOR, "a.entry[href='/needs']"))
            r.click(r.driver.find_element(By.CSS_SELECTOR, "a.button[href='/needs/new']"))
            r.driver.find_element(By.ID, "n-title").send_keys(title)
            r.driver.find_element(By.ID, "n-place").send_keys("中心花园")
            r.submit("form[action='/needs']")
            need_path = r.driver.current_url.replace(BASE, "")
            self.assertRegex(need_path, r"^/needs/[0-9a-f-]{36}$")
            r.submit(f"form[action='{need_path}/support']")
            self.assertIn("感谢您的附议", r.text())

            w.go(need_path)
            w.driver.find_element(By.ID, "d-take").click()
            w.driver.find_element(By.ID, "d-note").send_keys("列入本月议事会")
            w.submit(f"form[action='{need_path}/decide']")
            self.assertIn("已列为议题", w.text())
            w.go("/council")
            for seat, name in [("community", "王书记"), ("owners_committee", "李主任"), ("property_company", "张经理")]:
                w.driver.find_element(By.CSS_SELECTOR, f"#m-seat option[value='{seat}']").click()
                w.driver.find_element(By.ID, "m-name").send_keys(name)
                w.submit("form[action='/council/members']")
            self.assertIn("张经理", w.text())
            w.go("/meetings/new")
            w.driver.find_element(By.ID, "mt-title").send_keys("十二月议事会")
            w.driver.find_element(By.CSS_SELECTOR, f"input[name='agenda[]'][value='{need_path.split('/')[-1]}']").click()
            w.submit("form[action='/meetings']")
            meeting_path = w.driver.current_url.replace(BASE, "")
            self.assertIn(title, w.text())
            Accessibility.check(self, r, [("hub", "/deliberation"), ("needs", "/needs"), ("need-page", need_path), ("need-new", "/needs/new"),
                                          ("polls", "/polls"), ("council", "/council"), ("projects", "/projects")], "resident")
            Accessibility.check(self, w, [("need-page", need_path), ("council", "/council"), ("meeting-new", "/meetings/new"),
                                          ("meeting", meeting_path), ("poll-new", "/polls/new")], "staff")
        finally:
            r.close()
            w.close()


class Parties(unittest.TestCase):
    """Issue 27: the street finds the property companies and their contracts; the company's steward works the
    compound's cases from its own workbench; the resident reads who holds their case; another community's worker
    gets "not found" on a community's party; axe-core on the parties' pages."""

    def test_parties(self):
        street = Session("street")
        try:
            street.go("/parties?kind=property_company")
            self.assertIn("安居物业服务有限公司", street.text())
            street.click(street.driver.find_element(By.LINK_TEXT, "安居物业服务有限公司"))
            self.assertIn("物业服务合同", street.text())
            self.assertIn("服务中", street.text())
            street.shot("party-company")
            street.go("/parties?kind=social_organisation")
            organisation = street.driver.find_element(By.LINK_TEXT, "阳光社会工作服务中心").get_attribute("href").replace(BASE, "")
        finally:
            street.close()
        steward = Session("wuye")
        try:
            steward.go("/workbench")
            self.assertIn("安居物业服务有限公司（物业服务企业）", steward.text())
        finally:
            steward.close()
        other = Session("worker2")
        try:
            other.go(organisation)
            self.assertIn("没有找到", other.text())
        finally:
            other.close()
        committee = Session("yewei")
        try:
            committee.go("/parties")
            committee.click(committee.driver.find_element(By.PARTIAL_LINK_TEXT, "业主委员会"))
            self.assertIn("权力清单", committee.text())
            self.assertIn("本小区的物业服务", committee.text())
            committee.shot("party-committee")
        finally:
            committee.close()


class Announcements(unittest.TestCase):
    """Issue 28: a community worker publishes an announcement with the form; the resident finds it on the home page
    marked new, reads it, and the worker sees it read; the community's Atom feed parses in an ordinary feed library
    (feedparser) with the announcement in it; axe-core on the list, the page and the form."""

    def test_publish_and_read(self):
        title = "楼道杂物清理通知 %d" % int(time.time())
        worker = Session("worker")
        try:
            worker.go("/announcements/new")
            worker.driver.find_element(By.ID, "a-title").send_keys(title)
            worker.driver.find_element(By.ID, "a-body").send_keys("本周六前请清理楼道里的杂物，消防通道要畅通。")
            worker.submit("form[action='/announcements']")
            self.assertIn("公告已发布", worker.text())
            page = worker.driver.current_url.replace(BASE, "").split("?")[0]
        finally:
            worker.close()
        resident = Session("resident")
        try:
            resident.go("/")
            box = resident.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby='ann-h']")
            self.assertIn(title, box.text)
            self.assertIn("新", box.text)
            resident.click(box.find_element(By.PARTIAL_LINK_TEXT, title))
            self.assertIn("消防通道要畅通", resident.text())
            resident.shot("announcement-resident")
            feed_href = resident.driver.find_element(By.CSS_SELECTOR, "link[rel=alternate][type='application/atom+xml']").get_attribute("href")
        finally:
            resident.close()
        import feedparser
        parsed = feedparser.parse(urllib.request.urlopen(feed_href).read())
        self.assertEqual(parsed.bozo, 0, str(parsed.get("bozo_exception")))
        self.assertIn(title, [e.title for e in parsed.entries])
        self.assertTrue(all(e.get("id", "").startswith("urn:uuid:") and e.get("updated") for e in parsed.entries))
        worker = Session("worker")
        try:
            worker.go(page)
            self.assertIn("1 人已读", worker.text())
        finally:
            worker.close()


class VolunteerToPoints(unittest.TestCase):
    """Issue 28: the worker publishes an activity starting soon; the resident signs up, checks in with the code from
    the link the organiser shows, the organiser confirms the hours, and the resident exchanges the points for an item
    in stock; the community's calendar is linked and parses as iCalendar lines."""

    def test_volunteer_to_points(self):
        import datetime
        beijing = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
        starts = (beijing + datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M")
        ends = (beijing + datetime.timedelta(minutes=15, hours=2)).strftime("%Y-%m-%dT%H:%M")
        title = "社区花园除草 %d" % int(time.time())
        worker = Session("worker")
        try:
            worker.go("/activities/new")
            worker.driver.find_element(By.ID, "ac-title").send_keys(title)
            worker.driver.find_element(By.ID, "ac-place").send_keys("社区花园")
            worker.driver.execute_script("document.getElementById('ac-starts').value = arguments[0]; document.getElementById('ac-ends').value = arguments[1];", starts, ends)
            worker.submit("form[action='/activities']")
            self.assertIn("活动已发布", worker.text())
            page = worker.driver.current_url.replace(BASE, "").split("?")[0]
            code = worker.driver.find_element(By.CSS_SELECTOR, ".checkin-code").text.strip()
            link = worker.driver.find_element(By.PARTIAL_LINK_TEXT, "签到链接").get_attribute("href")
            self.assertEqual(len(code), 6)
            worker.shot("activity-organiser")
        finally:
            worker.close()
        resident = Session("resident")
        try:
            resident.go(page)
            resident.submit("form[action$='/signup']")
            self.assertIn("报名成功", resident.text())
            calendar = resident.driver.find_element(By.CSS_SELECTOR, "link[rel=alternate][type='text/calendar']").get_attribute("href")
            resident.driver.get(link)
            self.assertEqual(resident.driver.find_element(By.ID, "ci-code").get_attribute("value"), code)
            resident.submit("form[action='/activities/checkin']")
            self.assertIn("签到成功", resident.text())
            resident.shot("activity-checked-in")
        finally:
            resident.close()
        ics = urllib.request.urlopen(calendar).read().decode("utf-8")
        self.assertTrue(ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n"))
        self.assertTrue(all(len(line.encode("utf-8")) <= 75 for line in ics.split("\r\n")))
        self.assertIn(title, ics.replace("\r\n ", ""))
        worker = Session("worker")
        try:
            worker.go(page)
            worker.submit("form[action$='/confirm']")
            self.assertIn("时长已确认", worker.text())
        finally:
            worker.close()
        resident = Session("resident")
        try:
            resident.go("/points")
            self.assertIn("志愿服务（" + title + "）", resident.text())
            before = int(resident.driver.find_element(By.CSS_SELECTOR, ".big-number").text)
            haircut = resident.driver.find_element(By.XPATH, "//li[.//h3[text()='理发一次']]")
            resident.click(haircut.find_element(By.CSS_SELECTOR, "button[type=submit]"))
            self.assertIn("已为您预留", resident.text())
            self.assertEqual(int(resident.driver.find_element(By.CSS_SELECTOR, ".big-number").text), before - 30)
            resident.shot("points-after-exchange")
        finally:
            resident.close()


class Accessibility(unittest.TestCase):
    """axe-core: no critical or serious violation on the main pages, in Chinese and English, normal and elderly."""

    def check(self, session, paths, label):
        failures = []
        for lang in ["zh", "en"]:
            for mode in ["off", "on"]:
                session.go(f"/prefs/lang/{lang}?next=/")
                session.go(f"/prefs/elderly/{mode}?next=/")
                for name, path in paths:
                    session.go(path)
                    if callable(path):
                        path(session)
                    problems = axe_problems(session.driver)
                    session.shot(f"{label}-{name}-{lang}-{'elderly' if mode == 'on' else 'normal'}")
                    for p in problems:
                        nodes = "; ".join(n.get("target", [""])[0] if isinstance(n.get("target"), list) else "" for n in p["nodes"][:3])
                        failures.append(f"{name} [{lang}, elderly {mode}] {p['impact']}: {p['id']} — {p['help']} ({nodes})")
        self.assertEqual(failures, [], "\n".join(failures))

    def test_resident_pages(self):
        s = Session("resident")
        try:
            s.go("/requests")
            links = s.driver.find_elements(By.CSS_SELECTOR, "table.cases a[href^='/requests/']")
            request_path = links[0].get_attribute("href").replace(BASE, "") if links else "/requests"
            self.check(s, [("home", "/"), ("request-form", "/requests/new"), ("request-page", request_path), ("track", "/track")], "resident")
        finally:
            s.close()

    def test_staff_pages(self):
        s = Session("worker")
        try:
            s.go("/workbench?all=1")
            link = s.driver.find_element(By.CSS_SELECTOR, "table.cases a[href^='/cases/']").get_attribute("href").replace(BASE, "")
            self.check(s, [("workbench", "/workbench"), ("workbench-new", "/workbench?stage=new"), ("case-page", link), ("window", "/window"),
                           ("joins", "/joins")], "staff")
        finally:
            s.close()

    def test_supervisor_pages(self):
        s = Session("street")
        try:
            # The demo's rectification items: the list and the item waiting for the street's verification.
            s.go("/rectifications?state=submitted")
            item = s.driver.find_element(By.CSS_SELECTOR, "table.cases a[href^='/rectifications/']").get_attribute("href").replace(BASE, "")
            self.check(s, [("dashboard", "/dashboard"), ("supervise", "/supervise"), ("rectifications", "/rectifications"),
                           ("rectification", item)], "street")
        finally:
            s.close()

    def test_announcement_pages(self):
        s = Session("worker")
        try:
            s.go("/announcements")
            item = s.driver.find_element(By.CSS_SELECTOR, "table.cases a[href^='/announcements/']").get_attribute("href").replace(BASE, "")
            self.check(s, [("announcements", "/announcements"), ("announcement", item), ("announcement-new", "/announcements/new")], "announcements")
        finally:
            s.close()

    def test_participation_pages(self):
        s = Session("resident")
        try:
            s.go("/activities")
            item = s.driver.find_element(By.CSS_SELECTOR, "ul.announcements a[href^='/activities/']").get_attribute("href").replace(BASE, "")
            s.go("/conventions")
            convention = s.driver.find_element(By.CSS_SELECTOR, "ul.announcements a[href^='/conventions/']").get_attribute("href").replace(BASE, "")
            self.check(s, [("points", "/points"), ("activities", "/activities"), ("activity", item), ("checkin", "/activities/checkin"),
                           ("volunteers", "/volunteers"), ("certificate", "/volunteers/certificate"), ("conventions", "/conventions"),
                           ("convention", convention), ("disclosure", "/disclosure"), ("finances", "/finances"), ("party", "/party")], "participation")
            receipt = re.search(r"[2-9A-Z]{5}-[2-9A-Z]{5}", s.driver.find_element(By.TAG_NAME, "body").text).group(0)
        finally:
            s.close()
        d = Session("dangwei")
        try:
            self.check(d, [("party-manage", "/party/manage"), ("party-report", "/party/report"), ("party-receipt", "/party/receipts/" + receipt)], "participation-party")
        finally:
            d.close()
        w = Session("worker")
        try:
            self.check(w, [("points-manage", "/points/manage"), ("activity-new", "/activities/new"), ("pools", "/volunteers"),
                           ("convention-new", "/conventions/new")], "participation-staff")
        finally:
            w.close()

    def test_party_pages(self):
        s = Session("street")
        try:
            s.go("/parties?kind=property_company")
            company = s.driver.find_element(By.LINK_TEXT, "安居物业服务有限公司").get_attribute("href").replace(BASE, "")
            self.check(s, [("parties", "/parties"), ("company", company)], "parties")
        finally:
            s.close()

    def test_request_form_second_step(self):
        s = Session("resident")
        try:
            failures = []
            for lang in ["zh", "en"]:
                for mode in ["off", "on"]:
                    s.go(f"/prefs/lang/{lang}?next=/")
                    s.go(f"/prefs/elderly/{mode}?next=/requests/new")
                    s.driver.find_element(By.ID, "req-title").send_keys("电梯坏了，有人被困")
                    s.submit("form[action='/requests/new']")
                    for p in axe_problems(s.driver):
                        failures.append(f"request-step2 [{lang}, elderly {mode}] {p['impact']}: {p['id']} — {p['help']}")
                    s.shot(f"resident-request-step2-{lang}-{'elderly' if mode == 'on' else 'normal'}")
            self.assertEqual(failures, [], "\n".join(failures))
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
