import Foundation
import PostgresNIO

/// Reads `postgres://user[:password]@host[:port]/db[?sslmode=…]` (or `postgresql://`) into a
/// client configuration.
///
/// TLS is off unless `sslmode` asks for it: `require`, `verify-ca` and `verify-full` turn it on
/// (with certificate verification), `prefer` uses it when the server offers it, `disable` (the
/// default) does not. `schema=NAME` keeps Slipway's tables in their own schema (created by
/// `migrate()`), so several instances, or test runs, can share one database. The user name and
/// password may be percent-encoded.
enum PostgresURL {
    struct Settings {
        var configuration: PostgresClient.Configuration
        /// A schema name checked to be a plain lower-case identifier, safe to put in SQL unquoted.
        var schema: String?
    }

    static func isPostgres(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    static func settings(from url: String) throws -> Settings {
        let shown = DatabaseURLRedaction.redacted(url)
        func invalid(_ reason: String) -> JobStoreError { .invalidDatabaseURL(shown, reason: reason) }

        guard let components = URLComponents(string: url) else { throw invalid("it is not a valid URL") }
        guard let host = components.host, !host.isEmpty else { throw invalid("it names no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("it names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw invalid("it names no database (add /DBNAME)") }

        var tls = PostgresClient.Configuration.TLS.disable
        var schema: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"), ("sslmode", "allow"): tls = .disable
            case ("sslmode", "prefer"): tls = .prefer(.makeClientConfiguration())
            case ("sslmode", "require"), ("sslmode", "verify-ca"), ("sslmode", "verify-full"):
                tls = .require(.makeClientConfiguration())
            case ("schema", let name):
                guard let first = name.first, first == "_" || first.isLowercase,
                    name.allSatisfy({ $0 == "_" || $0.isNumber || $0.isLowercase }), name.allSatisfy(\.isASCII),
                    name.count <= 63
                else {
                    throw invalid("schema \"\(name)\" must be lower-case letters, digits and underscores")
                }
                schema = name
            case ("sslmode", let other):
                throw invalid("sslmode \"\(other)\" is unknown (use disable, prefer or require)")
            case (let name, _):
                throw invalid("the parameter \"\(name)\" is not supported (only sslmode and schema are)")
            }
        }

        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database, tls: tls)
        configuration.options.maximumConnections = 10
        configuration.options.connectTimeout = .seconds(10)
        if let schema {
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        return Settings(configuration: configuration, schema: schema)
    }
}

/// Hides the password of a database URL, for logs and error messages.
enum DatabaseURLRedaction {
    /// `postgres://app:secret@db/x` becomes `postgres://app:***@db/x`. Text without a password is returned as is.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
