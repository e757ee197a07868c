package import Foundation
package import SlipwayCore

/// A DT Account Service access token and when it stops working (DT: always one hour).
package struct IgniteAccessToken: Sendable, Equatable {
    package var value: Secret
    package var expiresAt: Date

    package init(value: Secret, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}
