package import Hummingbird
package import NIOCore

/// The request context of every Slipway route: Hummingbird's core storage, the peer's address
/// (the webhook failure limit is kept per address) and who the access check let in.
package struct SlipwayRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let remoteAddress: SocketAddress?
    /// Set by `AccessMiddleware` on protected routes.
    package var viewer: Viewer?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// Who is looking at a protected route.
package struct Viewer: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// An `Authorization: Bearer` API token (no cookie, so nothing to forge across sites).
        case apiToken
        /// A browser session from the login page or GitHub sign-in.
        case session(SessionCookie.Claims)
        /// `server.dashboard.public: true`.
        case anonymous
    }

    package let kind: Kind

    /// The name shown in the dashboard header.
    package var name: String {
        switch kind {
        case .apiToken: "API token"
        case .session(let claims): claims.subject
        case .anonymous: "everyone (server.dashboard.public)"
        }
    }

    package var session: SessionCookie.Claims? {
        if case .session(let claims) = kind { return claims }
        return nil
    }
}
