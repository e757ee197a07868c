import Foundation
import SlipwayFakes
import Testing

/// The OAuth web flow against a fake of GitHub's authorize, token, user and membership endpoints.
@Suite("Dashboard sign-in with GitHub")
struct GitHubSignInTests {
    static func config(_ oauthURL: String) -> String {
        """
          access:
            github:
              client_id: Iv1.slipwaytest
              client_secret: ${GITHUB_OAUTH_SECRET}
              web_url: \(oauthURL)
              api_url: \(oauthURL)
              allowed_users: [release-captain]
              allowed_orgs: [acme]
              allowed_teams: [partners/android-release]
          outbound:
            allow_private_networks: [127.0.0.0/8]
        """
    }

    /// Runs the browser through /auth/github → GitHub → callback; returns the callback's answer.
    func signIn(_ browser: BrowserSession, server: String, next: String = "/") async throws -> BrowserSession.Page {
        let start = try await browser.get(server + "/auth/github?next=\(next)")
        #expect(start.status == 302)
        #expect(await browser.cookies["slipway_oauth"] != nil)
        let authorize = try #require(start.location)
        #expect(authorize.contains("/login/oauth/authorize?client_id=Iv1.slipwaytest"))
        let approved = try await browser.get(authorize)
        #expect(approved.status == 302)
        // GitHub sends the browser to public_url (http://slipway.test); the test server is elsewhere.
        let callback = try #require(approved.location).replacingOccurrences(of: "http://slipway.test", with: server)
        return try await browser.get(callback)
    }

    func withSignIn(_ user: FakeGitHubOAuth.User, body: (FakeGitHubOAuth, String, BrowserSession) async throws -> Void) async throws {
        let oauth = FakeGitHubOAuth(clientID: "Iv1.slipwaytest", clientSecret: TestWorld.oauthSecret, signedInAs: user)
        try await oauth.run { oauthURL in
            try await TestWorld.with(serverExtra: Self.config(oauthURL)) { world in
                try await world.withServer { server in try await body(oauth, server, BrowserSession()) }
            }
        }
    }

    @Test func anOrganisationMemberIsSignedInAndLandsWhereTheyWereGoing() async throws {
        try await withSignIn(.init(login: "octocat", orgs: ["acme"])) { oauth, server, browser in
            let done = try await signIn(browser, server: server, next: "/api/deliveries")
            #expect(done.status == 303)
            #expect(done.location == "/api/deliveries")
            #expect(await browser.cookies["slipway_session"] != nil)
            #expect(await browser.cookies["slipway_oauth"] == nil)
            let page = try await browser.get(server + "/")
            #expect(page.status == 200)
            #expect(page.text.contains("github:octocat"))
            #expect(await oauth.redirectURIs == ["http://slipway.test/auth/github/callback"])
        }
    }

    @Test func aTeamMemberAndAListedUserAreLetIn() async throws {
        try await withSignIn(.init(login: "partner-dev", teams: ["partners/android-release"])) { oauth, server, browser in
            let teamMember = try await signIn(browser, server: server)
            await oauth.signIn(as: .init(login: "Release-Captain"))
            let other = BrowserSession()
            let listedUser = try await signIn(other, server: server)
            let page = try await other.get(server + "/")
            #expect(teamMember.status == 303)
            #expect(listedUser.status == 303)
            #expect(page.text.contains("github:Release-Captain"))
        }
    }

    @Test func someoneOutsideTheAllowedOrganisationsIsRefused() async throws {
        try await withSignIn(.init(login: "mallory", orgs: ["evil-corp"], teams: ["acme/other-team"])) { _, server, browser in
            let refused = try await signIn(browser, server: server)
            #expect(refused.status == 403)
            #expect(refused.text.contains("GitHub user mallory may not use this Slipway"))
            #expect(await browser.cookies["slipway_session"] == nil)
            #expect(try await browser.get(server + "/").status == 303)
        }
    }

    @Test func aCallbackWhoseStateWasNotStartedHereIsRefused() async throws {
        try await withSignIn(.init(login: "octocat", orgs: ["acme"])) { oauth, server, browser in
            let start = try await browser.get(server + "/auth/github")
            let approved = try await browser.get(try #require(start.location))
            var callback = try #require(approved.location).replacingOccurrences(of: "http://slipway.test", with: server)
            callback = callback.replacingOccurrences(of: "state=", with: "state=tampered")
            let refused = try await browser.get(callback)
            #expect(refused.status == 400)
            #expect(refused.text.contains("not the one Slipway started"))
            #expect(await browser.cookies["slipway_session"] == nil)
            #expect(await oauth.refusedExchanges == 0)  // the code was never even tried
        }
    }

    @Test func aCodeUsedTwiceIsRefusedByGitHubAndSaidSo() async throws {
        try await withSignIn(.init(login: "octocat", orgs: ["acme"])) { _, server, browser in
            let start = try await browser.get(server + "/auth/github")
            let approved = try await browser.get(try #require(start.location))
            let callback = try #require(approved.location).replacingOccurrences(of: "http://slipway.test", with: server)
            let oauthCookie = try #require(await browser.cookies["slipway_oauth"])
            #expect(try await browser.get(callback).status == 303)
            let replay = BrowserSession()
            await replay.setCookie("slipway_oauth", oauthCookie)
            let refused = try await replay.get(callback)
            #expect(refused.status == 400)
            #expect(refused.text.contains("The code passed is incorrect or expired"))
        }
    }
}
