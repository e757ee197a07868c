import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Crypto
import Hummingbird
import SlipwayCore
import SlipwayFakes
import SlipwayIntake
import SlipwayServer
import Testing

/// What is public and what needs credentials, over real sockets against a real server.
@Suite("Access: API tokens, sessions, CSRF, admin listener")
struct AccessTests {
    /// Posts a PR build so there is a delivery to look at; returns its id.
    func acceptedDelivery(_ world: TestWorld, _ server: String, branch: String = "feature/login") async throws -> String {
        let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 9))
        let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 5, branch: branch))
        #expect(answer.status == 202)
        return try #require(answer.json["delivery_id"] as? String)
    }

    func plain(_ url: String, bearer: String? = nil, accept: String? = nil) async throws -> BrowserSession.Page {
        var headers: [(String, String)] = []
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        let response = try await BrowserSession.client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        return .init(status: Int(response.status.code), headers: response.headers, text: text)
    }

    @Test func theAPIPagesAndMetricsAnswer401WithoutCredentialsAnd200WithAToken() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let id = try await acceptedDelivery(world, server)
                for path in ["/api/deliveries", "/api/deliveries/\(id)", "/deliveries/\(id)", "/metrics", "/"] {
                    let anonymous = try await plain(server + path)
                    #expect(anonymous.status == 401, "\(path) without credentials")
                    #expect(!anonymous.text.contains(id), "\(path) leaked the delivery")
                    #expect(anonymous.headers.first(name: "www-authenticate") == "Bearer realm=\"slipway\"")
                    #expect(try await plain(server + path, bearer: "not-the-token").status == 401, "\(path) with a wrong token")
                    let authorized = try await plain(server + path, bearer: TestWorld.apiToken)
                    #expect(authorized.status == 200, "\(path) with the token")
                }
                #expect(try await plain(server + "/api/deliveries/\(id)", bearer: TestWorld.apiToken).text.contains(id))
                #expect(try await plain(server + "/healthz").status == 200)
                #expect(try await plain(server + "/readyz").status == 200)
                // A public prefix never opens another path, however it is spelled.
                for path in ["/webhooks/../api/deliveries", "/webhooks/%2E%2E/api/deliveries", "/assets/../metrics", "/healthz/../metrics"] {
                    var request = HTTPClientRequest(url: server + path)
                    request.headers.add(name: "Accept", value: "application/json")
                    let response = try await BrowserSession.client.execute(request, timeout: .seconds(10))
                    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    #expect(response.status.code == 401, "\(path)")
                    #expect(!text.contains(id))
                }
            }
        }
    }

    @Test func aBrowserIsSentToTheLoginPageWhichCarriesTheSecurityHeaders() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let browser = BrowserSession()
                let first = try await browser.get(server + "/deliveries/dlv_x?tab=1")
                #expect(first.status == 303)
                #expect(first.location == "/login?next=%2Fdeliveries%2Fdlv%5Fx%3Ftab%3D1")
                let login = try await browser.get(server + "/login?next=/deliveries/dlv_x")
                #expect(login.status == 200)
                #expect(login.text.contains("name=\"token\""))
                let csp = login.headers.first(name: "content-security-policy") ?? ""
                #expect(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(login.headers.first(name: "x-frame-options") == "DENY")
                #expect(login.headers.first(name: "referrer-policy") == "no-referrer")
                #expect(!login.text.contains("<style"))  // styles come from /assets, as the CSP demands
                #expect(try await browser.get(server + "/assets/slipway.css").status == 200)
            }
        }
    }

    @Test func aTokenSignsABrowserInAndSignOutNeedsTheSessionsCSRFToken() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let browser = BrowserSession()
                let forged = try await browser.post(server + "/login", form: ["token": TestWorld.apiToken, "next": "/"])
                #expect(forged.status == 403, "a login without the form's token (login CSRF) is refused")
                let crossSiteLogin = try await browser.signIn(
                    server, token: TestWorld.apiToken, headers: [("Origin", "https://evil.example")])
                #expect(crossSiteLogin.status == 403)
                let wrong = try await browser.signIn(server, token: "guess", next: "/")
                #expect(wrong.status == 401)
                #expect(wrong.text.contains("not one of the tokens"))
                #expect(await browser.cookies["slipway_session"] == nil)

                let signedIn = try await browser.signIn(server, token: TestWorld.apiToken, next: "/?page=2")
                #expect(signedIn.status == 303)
                #expect(signedIn.location == "/?page=2")
                let cookie = try #require(signedIn.setCookies.first { $0.hasPrefix("slipway_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
                #expect(cookie.contains("Max-Age=43200"))
                #expect(!cookie.contains("Secure"))  // public_url is http in the tests

                let dashboard = try await browser.get(server + "/")
                #expect(dashboard.status == 200)
                #expect(dashboard.text.contains("Signed in as"))
                #expect(dashboard.headers.first(name: "cache-control") == "no-store")
                let csrf = try #require(BrowserSession.hiddenField("csrf", in: dashboard.text))

                #expect(try await browser.post(server + "/logout", form: [:]).status == 403)
                #expect(try await browser.post(server + "/logout", form: ["csrf": "forged"]).status == 403)
                let crossSite = try await browser.post(server + "/logout", form: ["csrf": csrf], headers: [("Origin", "https://evil.example")])
                #expect(crossSite.status == 403)
                #expect(try await browser.get(server + "/").status == 200)  // still signed in

                // Behind a proxy that rewrites Host, the page's origin is public_url's: that is this server.
                let signedOut = try await browser.post(server + "/logout", form: ["csrf": csrf], headers: [("Origin", "http://slipway.test")])
                #expect(signedOut.status == 303)
                #expect(signedOut.location == "/login?signed_out=1")
                #expect(await browser.cookies["slipway_session"] == nil)
                #expect(try await browser.get(server + "/").status == 303)
            }
        }
    }

    @Test func aSessionOutlivesARestartBecauseTheGeneratedKeyIsKeptInTheJobStore() async throws {
        try await TestWorld.with { world in
            let browser = BrowserSession()
            try await world.withServer { server in
                let signedIn = try await browser.signIn(server, token: TestWorld.apiToken)
                #expect(signedIn.status == 303)
            }
            // A second server on the same database (a restart, or another replica) accepts the cookie.
            try await world.withServer { server in
                let page = try await browser.get(server + "/")
                #expect(page.status == 200)
                #expect(page.text.contains("Signed in as"))
            }
        }
    }

    @Test func cookiesAreSecureWhenThePublicURLIsHTTPS() throws {
        let policy = AccessPolicy(
            apiTokens: [Secret("t")], sessionKey: SymmetricKey(size: .bits256), sessionHours: 1, github: nil,
            githubClientSecret: nil, isPublic: false, publicURL: "https://slipway.example.com")
        let cookie = policy.startSession(subject: "token").description
        #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
        #expect(cookie.contains("Max-Age=3600"))
        let claims = try #require(policy.sessions.decode(String(cookie.split(separator: ";")[0].dropFirst("slipway_session=".count)), now: Date()))
        #expect(policy.sessions.decode(policy.sessions.encode(claims), now: Date().addingTimeInterval(3601)) == nil, "expired")
    }

    @Test func anOpenRedirectThroughNextIsRefused() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                for next in ["//evil.example/x", "https://evil.example", "/\\evil.example"] {
                    let browser = BrowserSession()
                    let page = try await browser.signIn(server, token: TestWorld.apiToken, next: next)
                    #expect(page.location == "/", "next=\(next)")
                }
            }
        }
    }

    @Test func aForgedOrExpiredSessionCookieIsNotASession() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let browser = BrowserSession()
                _ = try await browser.signIn(server, token: TestWorld.apiToken, next: "/")
                let real = try #require(await browser.cookies["slipway_session"])
                var parts = real.split(separator: ".").map(String.init)
                // Claims changed, signature kept: the first character always changes the decoded bytes
                // (a replacement of some letter may find none to replace).
                parts[1] = (parts[1].first == "e" ? "f" : "e") + parts[1].dropFirst()
                await browser.setCookie("slipway_session", parts.joined(separator: "."))
                #expect(try await browser.get(server + "/").status == 303)
            }
        }
    }

    @Test func userControlledTextIsEscapedOnTheDashboard() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let id = try await acceptedDelivery(world, server, branch: "feature/<img src=x onerror=alert(1)>")
                let list = try await plain(server + "/", bearer: TestWorld.apiToken)
                let detail = try await plain(server + "/deliveries/\(id)", bearer: TestWorld.apiToken)
                for page in [list, detail] {
                    #expect(!page.text.contains("<img src=x"))
                    #expect(page.text.contains("feature/&lt;img src=x onerror=alert(1)&gt;"))
                }
            }
        }
    }

    @Test func withNoCredentialConfiguredTheProtectedRoutesSayWhichKeyToSet() async throws {
        try await TestWorld.with(serverExtra: "  outbound:\n    allow_private_networks: [127.0.0.0/8]") { world in
            try await world.withServer { server in
                let api = try await plain(server + "/api/deliveries")
                #expect(api.status == 401)
                #expect(api.text.contains("server.access.api_tokens"))
                let page = try await plain(server + "/", accept: "text/html")
                #expect(page.status == 401)
                #expect(page.text.contains("server.access.api_tokens") && page.text.contains("server.dashboard.public"))
                #expect(try await plain(server + "/metrics", bearer: "anything").status == 401)
                #expect(try await plain(server + "/healthz").status == 200)
            }
        }
    }

    @Test func aPublicDashboardIsReadableWithoutCredentialsButChangesStillNeedThem() async throws {
        let extra = "  dashboard:\n    public: true\n  outbound:\n    allow_private_networks: [127.0.0.0/8]"
        try await TestWorld.with(serverExtra: extra) { world in
            try await world.withServer { server in
                let page = try await plain(server + "/", accept: "text/html")
                let api = try await plain(server + "/api/deliveries")
                let signOut = try await BrowserSession().post(server + "/logout", form: [:])
                #expect(page.status == 200)
                #expect(api.status == 200)
                #expect(signOut.status == 401)
            }
        }
    }

    @Test func theAdminListenerServesTheDashboardAndThePublicPortOnlyWebhooksAndHealth() async throws {
        let extra = TestWorld.defaultAccess + "\n  admin_listen: 127.0.0.1:9"
        try await TestWorld.with(serverExtra: extra) { world in
            try await world.withServers { server, admin in
                let admin = try #require(admin)
                for path in ["/", "/api/deliveries", "/metrics", "/login"] {
                    #expect(try await plain(server + path, bearer: TestWorld.apiToken).status == 404, "public \(path)")
                }
                #expect(try await plain(server + "/healthz").status == 200)
                let id = try await acceptedDelivery(world, server)
                #expect(try await plain(admin + "/api/deliveries/\(id)").status == 401)
                #expect(try await plain(admin + "/api/deliveries/\(id)", bearer: TestWorld.apiToken).status == 200)
                #expect(try await plain(admin + "/metrics", bearer: TestWorld.apiToken).status == 200)
                #expect(try await plain(admin + "/healthz").status == 200)
                #expect(try await plain(admin + "/webhooks/github").status == 404)
            }
        }
    }

    @Test func repeatedBadSignaturesFromOneAddressAreAnswered429WithRetryAfter() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let body = TestWorld.workflowRunBody(runID: 77, pr: 5)
                let good = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: await world.addRun(apk: TestWorld.fakeAPK(seed: 1), runID: 76), pr: 5))
                #expect(good.status == 202)
                for _ in 0..<20 {
                    #expect(try await world.postGitHub(server, body: body, secret: "wrong").status == 401)
                }
                var request = HTTPClientRequest(url: server + "/webhooks/github")
                request.method = .POST
                request.headers.add(name: "x-github-event", value: "workflow_run")
                request.body = .bytes(ByteBuffer(bytes: body))
                let response = try await BrowserSession.client.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 429)
                let wait = Int(response.headers.first(name: "retry-after") ?? "") ?? 0
                #expect((1...60).contains(wait))
                let metrics = try await world.sendText(server + "/metrics")
                #expect(metrics.text.contains("outcome=\"rate_limited\""))
            }
        }
    }

    /// A GitHub webhook as a reverse proxy forwards it, signed with `secret`.
    func forwarded(_ server: String, body: Data, from client: String, secret: String) async throws -> Int {
        var request = HTTPClientRequest(url: server + "/webhooks/github")
        request.method = .POST
        request.headers.add(name: "x-github-event", value: "workflow_run")
        request.headers.add(name: "x-github-delivery", value: UUID().uuidString)
        request.headers.add(name: "x-forwarded-for", value: "\(client), 127.0.0.1")
        request.headers.add(name: "x-hub-signature-256", value: WebhookSignature.gitHubSignature(body: body, secret: Secret(secret)))
        request.body = .bytes(ByteBuffer(bytes: body))
        return Int(try await BrowserSession.client.execute(request, timeout: .seconds(10)).status.code)
    }

    @Test func behindATrustedProxyTheLimitIsKeptPerForwardedClientSoGitHubIsNotBlockedByAnAttacker() async throws {
        try await TestWorld.with(serverExtra: TestWorld.defaultAccess + "\n  trusted_proxies: [127.0.0.0/8]") { world in
            try await world.withServer { server in
                let junk = TestWorld.workflowRunBody(runID: 1, pr: 5)
                var refused: [Int] = []
                for _ in 0..<20 { refused.append(try await forwarded(server, body: junk, from: "203.0.113.7", secret: "wrong")) }
                let blocked = try await forwarded(server, body: junk, from: "203.0.113.7", secret: "wrong")
                let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 2), runID: 90)
                let good = TestWorld.workflowRunBody(runID: runID, pr: 5)
                let fromGitHub = try await forwarded(server, body: good, from: "140.82.115.4", secret: TestWorld.webhookSecret)
                #expect(refused.allSatisfy { $0 == 401 })
                #expect(blocked == 429)
                #expect(fromGitHub == 202)
            }
        }
    }
}
