import Hummingbird
import NIOCore

/// The HTML shell every dashboard and login page shares. Styles come from `/assets/slipway.css`:
/// the Content-Security-Policy allows no inline style or script.
enum Pages {
    static let stylesheet = """
        body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
        .failed{color:#b00}.succeeded,.done{color:#070}.waiting,.pending,.running,.queued{color:#a60}
        header{display:flex;gap:1rem;align-items:center;justify-content:flex-end;color:#555}
        form.inline{display:inline}label{display:block;margin:.5rem 0}input[type=password]{width:24rem}
        .error{color:#b00}.notice{color:#070}
        """

    /// - Parameters:
    ///   - refresh: reload every 15 s (the delivery pages, whose states change while one watches).
    ///   - header: HTML already escaped (who is signed in, the sign-out form).
    static func page(title: String, body: String, header: String = "", refresh: Bool = false) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        \(refresh ? "<meta http-equiv=\"refresh\" content=\"15\">" : "")
        <link rel="stylesheet" href="/assets/slipway.css">
        </head><body>\(header.isEmpty ? "" : "<header>\(header)</header>")<h1>\(escape(title))</h1>
        \(body)
        </body></html>
        """
    }

    static func message(_ status: HTTPResponse.Status, title: String, text: String) -> Response {
        html(page(title: title, body: "<p>\(escape(text))</p><p><a href=\"/\">Dashboard</a></p>"), status: status)
    }

    /// What a browser sees on a protected page when no credential is configured at all.
    static func noCredentialConfigured() -> Response {
        html(
            page(
                title: "Sign-in is not set up",
                body: """
                    <p>The dashboard shows repository names, commit messages and download links, so Slipway serves it only \
                    to people who sign in — and no way to sign in is configured.</p>
                    <p>Set one of these in the config file, then restart Slipway:</p>
                    <ul><li><code>server.access.api_tokens: ["${SLIPWAY_API_TOKEN}"]</code> — sign in here with that token</li>
                    <li><code>server.access.github</code> — sign in with GitHub, limited to <code>allowed_users</code>, \
                    <code>allowed_orgs</code> or <code>allowed_teams</code></li>
                    <li><code>server.dashboard.public: true</code> — show it to everyone (not for a server on the internet)</li></ul>
                    """),
            status: .unauthorized)
    }
}
