#!/usr/bin/env python3
"""Drives the dashboard in headless Chromium (Debian's chromium + chromium-driver, Selenium):
load a protected page, get sent to the login page, sign in with a wrong then the right token,
read the delivery, check the stylesheet applied under the Content-Security-Policy, sign out.

Called by the Swift test BrowserTests with a running server; prints one line per check and
"N passed, N failed" at the end; exits 1 on any failure.

  scripts/browser_check.py --url http://127.0.0.1:PORT --token TOKEN --delivery DLV_ID --link URL [--screenshot FILE]
"""
import argparse
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--delivery", required=True)
parser.add_argument("--link", required=True, help="the Play download URL the delivery page must link to")
parser.add_argument("--screenshot")
parser.add_argument("--chromium", default="/usr/bin/chromium")
parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
args = parser.parse_args()

options = webdriver.ChromeOptions()
options.binary_location = args.chromium
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
wait = WebDriverWait(driver, 15)
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))


def sign_in(token):
    field = wait.until(EC.presence_of_element_located((By.ID, "token")))
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "sign-in").click()


try:
    detail_url = f"{args.url}/deliveries/{args.delivery}"
    driver.get(detail_url)
    wait.until(EC.title_is("Sign in to Slipway"))
    check("a protected page sends the browser to the login page", driver.current_url.startswith(args.url + "/login"),
          driver.current_url)
    check("the delivery is not shown before signing in", not driver.find_elements(By.TAG_NAME, "table"))

    sign_in("not-the-token")
    error = wait.until(EC.presence_of_element_located((By.ID, "error")))
    check("a wrong token is refused with a message", "not one of the tokens" in error.text, error.text)

    sign_in(args.token)
    wait.until(EC.title_is(f"Delivery {args.delivery}"))
    check("signing in lands on the page asked for", driver.current_url == detail_url, driver.current_url)
    body = driver.find_element(By.TAG_NAME, "body").text
    check("the delivery page shows the store's result", "succeeded" in body and "play" in body, body[:400])
    links = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")]
    check("the Play download link is on the page", args.link in links, links)
    collapse = driver.execute_script("return getComputedStyle(document.querySelector('table')).borderCollapse")
    check("the stylesheet applies under the Content-Security-Policy", collapse == "collapse", collapse)
    cookie = driver.get_cookie("slipway_session") or {}
    check("the session cookie is HttpOnly and SameSite=Lax", cookie.get("httpOnly") is True and cookie.get("sameSite") == "Lax",
          cookie)
    check("scripts cannot read the session cookie", "slipway_session" not in driver.execute_script("return document.cookie"))
    violations = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    check("the page breaks none of its own Content-Security-Policy", not violations, violations)
    if args.screenshot:
        driver.save_screenshot(args.screenshot)

    driver.get(args.url + "/")
    wait.until(EC.title_is("Slipway deliveries"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#deliveries tr")
    check("the dashboard lists the delivery", any(args.delivery in row.text for row in rows), [r.text for r in rows][:3])
    viewer = driver.find_element(By.ID, "viewer").text
    check("the header says who is signed in", viewer == "token", viewer)

    driver.find_element(By.ID, "sign-out").click()
    notice = wait.until(EC.presence_of_element_located((By.ID, "notice")))
    check("pressing Sign out ends the session", "signed out" in notice.text and driver.get_cookie("slipway_session") is None,
          notice.text)
    driver.get(args.url + "/")
    wait.until(EC.title_is("Sign in to Slipway"))
    check("after signing out the dashboard asks to sign in again", not driver.find_elements(By.TAG_NAME, "table"))
except Exception as error:  # a timeout or a missing element is a failed check, with what the page showed
    check("the browser run finished", False, f"{type(error).__name__}: {error}; at {driver.current_url}: " + " ".join(driver.page_source[:800].split()))
finally:
    driver.quit()

passed = sum(1 for ok in results if ok)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
