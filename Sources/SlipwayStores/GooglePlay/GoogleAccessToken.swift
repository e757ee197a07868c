package import Foundation
package import SlipwayCore

/// An OAuth access token for the Android Publisher API and when it stops working.
package struct GoogleAccessToken: Sendable, Equatable {
    package var value: Secret
    package var expiresAt: Date

    package init(value: Secret, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}
