"""Every route of the app is exercised: each GET page answers for a signed-in admin, and no route exists that
the test suite does not know about (add new routes here, with their tests)."""

from __future__ import annotations

from tests.web_support import csrf_of, signed_in

KNOWN = {
    ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/invite/{token}"),
    ("POST", "/invite/{token}"), ("GET", "/account"), ("POST", "/account/tokens"), ("GET", "/sso/login"),
    ("POST", "/account/tokens/{public_id}/revoke"), ("POST", "/account/password"),
    ("GET", "/admin/users/{user_id}/tokens"), ("POST", "/admin/users/{user_id}/tokens/{public_id}/revoke"),
    ("GET", "/sso/callback"), ("GET", "/"), ("GET", "/dashboard"), ("GET", "/dashboard/{org}"),
    ("GET", "/benchmark"), ("GET", "/suppliers"), ("GET", "/anchors/{org}/transactions"), ("GET", "/upload"),
    ("GET", "/suppliers.{fmt}"), ("GET", "/supplier"), ("GET", "/anchors/{org}/transactions.{fmt}"),
    ("GET", "/uploads.{fmt}"),  # the table component's exports and a supplier's page (tests/test_web_explore.py)
    ("POST", "/upload"), ("GET", "/upload/{token}"), ("POST", "/upload/{token}/load"), ("GET", "/uploads"), ("POST", "/uploads/{upload_id}/restore"),
    ("GET", "/uploads/{upload_id}"), ("GET", "/uploads/{upload_id}/quarantine.{fmt}"), ("GET", "/uploads/{upload_id}/fix.xlsx"), ("GET", "/reports"),
    ("GET", "/jobs"), ("GET", "/jobs/{job_id}"), ("GET", "/jobs/{job_id}/download"),
    ("GET", "/reports/report.{fmt}"), ("GET", "/admin/users"), ("POST", "/admin/users/invite"),
    ("POST", "/admin/users/{user_id}/role"), ("POST", "/admin/users/{user_id}/reset"), ("GET", "/admin/sharing"),
    ("POST", "/admin/sharing"), ("GET", "/admin/audit"), ("GET", "/api/v1/me"), ("GET", "/api/v1/dashboard"),
    ("GET", "/api/v1/dashboard/{org}"), ("GET", "/api/v1/benchmark"), ("GET", "/api/v1/suppliers"),
    ("GET", "/api/v1/anchors/{org}/transactions"), ("GET", "/api/v1/anchors/{org}/uploads"),
    ("GET", "/api/openapi.json"), ("GET", "/socialvalue"), ("GET", "/socialvalue/framework"),
    ("GET", "/socialvalue/record"), ("POST", "/socialvalue/commitments"), ("POST", "/socialvalue/deliveries"),
    ("GET", "/lm3"), ("POST", "/lm3/links"), ("GET", "/survey/{token}"), ("POST", "/survey/{token}"),
    ("GET", "/lm3/simulate"),
    ("GET", "/assets"), ("GET", "/assets/register.{fmt}"), ("GET", "/assets/map"), ("GET", "/assets/review"), ("GET", "/assets/review.{fmt}"), ("POST", "/assets/review/decide"),
    ("GET", "/assets/occupancy"), ("POST", "/assets/occupancy"), ("GET", "/assets/acv"), ("POST", "/assets/acv/{action}"),
    ("POST", "/assets/transfers"), ("GET", "/spaces"), ("POST", "/spaces"), ("GET", "/spaces/matches"),
    ("GET", "/spaces/requests"), ("POST", "/spaces/requests"), ("POST", "/spaces/requests/{request_id}"),
    ("GET", "/notifications"), ("POST", "/notifications/{notification_id}/read"), ("GET", "/community/need"),
    ("POST", "/community/need"), ("GET", "/community/need/confirm/{token}"), ("POST", "/community/need/confirm/{token}"),
    ("GET", "/workforce"), ("GET", "/workforce/apprenticeships"), ("POST", "/workforce/apprenticeships/replan"),
    ("GET", "/workforce/apprenticeships/calendar.xlsx"), ("GET", "/workforce/levy"),
    ("POST", "/workforce/levy/transfers"), ("GET", "/workforce/levy/ledger.xlsx"), ("GET", "/workforce/bid"),
    ("GET", "/workforce/bid/pack.{fmt}"), ("GET", "/workforce/bid/pledges"), ("POST", "/workforce/bid/pledges"),
    ("POST", "/workforce/bid/pledges/{pledge_id}/withdraw"), ("POST", "/workforce/bid/pledges/{pledge_id}/starts"),
    ("POST", "/workforce/bid/starts/{start_id}/outcome"), ("GET", "/workforce/he"), ("GET", "/api/v1/workforce/profile"),
    ("GET", "/api/v1/workforce/apprenticeships"), ("GET", "/api/v1/workforce/levy"), ("GET", "/api/v1/workforce/bid"),
    ("GET", "/api/v1/workforce/he"), ("GET", "/suppliers/review"), ("GET", "/suppliers/review/all"),
    ("GET", "/suppliers/review/all.{fmt}"), ("POST", "/suppliers/review/decide"),
    ("POST", "/suppliers/review/decisions/{decision_id}/undo"), ("GET", "/suppliers/resolved"),
    ("GET", "/suppliers/resolved.csv"), ("GET", "/suppliers/resolved/table.{fmt}"), ("GET", "/pipeline"), ("GET", "/pipeline/opportunities"),
    ("GET", "/pipeline/opportunities/{opp_id}"), ("GET", "/pipeline/opportunities/{opp_id}/brief.{fmt}"),
    ("GET", "/opportunities"), ("GET", "/opportunities/feed.{fmt}"),
    ("GET", "/opportunities/register"), ("POST", "/opportunities/register"),
    ("GET", "/opportunities/register/confirm/{token}"), ("POST", "/opportunities/register/confirm/{token}"),
    ("GET", "/directory"), ("GET", "/directory/export.{fmt}"), ("GET", "/opportunities/manage"),
    ("POST", "/opportunities/manage/publish"), ("POST", "/opportunities/manage/purge"),
}


def test_every_route_is_known_and_pages_answer(web):
    routes: set[tuple[str, str]] = set()
    for r in web.app.routes:  # included routers are wrapped: read their own route lists
        for route in getattr(getattr(r, "original_router", None), "routes", [r]):
            routes |= {(m, route.path) for m in getattr(route, "methods", None) or () if m != "HEAD"}
    assert routes == KNOWN, f"untested routes: {routes - KNOWN}; gone: {KNOWN - routes}"
    c = signed_in(web, "admin@council.org")
    assert c.get("/", follow_redirects=False).headers["location"] == "/dashboard/council"
    for path in ("/dashboard", "/dashboard/council", "/benchmark", "/suppliers?q=local", "/anchors/council/transactions?page=2",
                 "/supplier?name=LOCAL+CATERERS",
                 "/upload", "/uploads", "/reports", "/jobs", "/admin/users", "/admin/sharing", "/admin/audit", "/account",
                 "/assets", "/assets/map", "/assets/review", "/assets/occupancy", "/assets/acv", "/spaces",
                 "/spaces/matches", "/spaces/requests", "/notifications", "/community/need",
                 "/workforce", "/workforce/apprenticeships", "/workforce/levy", "/workforce/bid", "/workforce/bid/pledges", "/workforce/he",
                 "/upload?kind=workforce", "/socialvalue", "/socialvalue/framework", "/socialvalue/record", "/lm3",
                 "/lm3/simulate", "/suppliers/review", "/suppliers/resolved", "/pipeline",
                 "/pipeline/opportunities", "/opportunities", "/opportunities/register", "/directory",
                 "/opportunities/manage"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert '<main id="main"' in r.text and "<h1>" in r.text, path  # one heading, a main landmark
    # The assets pages' behaviour, gates, CSRF and escaping are tested in tests/test_web_assets.py.
    assert web.client().get("/community/need").status_code == 200  # a public form: no sign-in
    assert web.client().get("/assets", follow_redirects=False).status_code == 303  # the rest need one
    r = c.post("/logout", data={"csrf_token": csrf_of(c.get("/account").text)}, follow_redirects=False)
    assert r.status_code == 303 and c.get("/api/v1/me").status_code == 401
